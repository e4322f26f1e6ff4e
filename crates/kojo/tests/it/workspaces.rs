//! Role workspaces over real HTTP on both backends: each staff role lands on its own home, its
//! menu holds exactly the pages it may open (each answering 200) and the others refuse it with
//! the office layout kept; Tokyo reads the cases awaiting its approval, read-only, and approves
//! after a confirmation that lists them.

use crate::common;

use common::{Backend, Setup, TestApp, spawn_app};
use domain::access::Role;
use domain::case::CaseState;
use uuid::Uuid;

on_both_backends!(
    each_role_lands_on_its_home_and_opens_exactly_its_menu,
    an_expert_has_a_home_that_says_what_comes,
    tokyo_reads_the_cases_awaiting_its_approval_read_only,
    approving_is_confirmed_first_and_the_selection_is_kept,
    actions_that_end_a_case_stand_apart_and_name_the_company,
    a_company_user_refused_by_the_office_keeps_the_portal_way_out,
);

fn client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Every page of the office menu.
const MENU_PAGES: [&str; 23] = [
    "/office/board",
    "/office/applications",
    "/office/approvals",
    "/office/seminars",
    "/office/inquiries",
    "/office/faq",
    "/office/inquiries/figures",
    "/office/guidance",
    "/office/risk",
    "/office/devices",
    "/office/trial-ends",
    "/office/incidents",
    "/office/incidents/figures",
    "/office/guidance/figures",
    "/office/risk/figures",
    "/office/case-studies",
    "/office/surveys",
    "/office/reports/results",
    "/office/reports/monthly",
    "/office/reports/contact-breaches",
    "/office/reports/timeline",
    "/office/programmes",
    "/office/users",
];

/// Each staff role, its home and the links of its menu (the password page is everyone's).
pub(crate) fn workspaces() -> Vec<(Role, &'static str, Vec<&'static str>)> {
    let cases = ["/office/board", "/office/applications", "/office/approvals"];
    let devices = ["/office/devices", "/office/trial-ends", "/office/incidents", "/office/reports/monthly"];
    let reports = [
        "/office/reports/contact-breaches",
        "/office/incidents/figures",
        "/office/guidance/figures",
        "/office/inquiries/figures",
        "/office/risk/figures",
        "/office/reports/timeline",
    ];
    let secretariat: Vec<&str> = [
        &cases[..],
        &["/office/seminars", "/office/inquiries", "/office/faq", "/office/guidance", "/office/risk"],
        &devices[..],
        &reports[..5],
        &["/office/case-studies", "/office/surveys", "/office/reports/results"],
        &reports[5..],
    ]
    .concat();
    let administrator = [&secretariat[..], &["/office/programmes", "/office/users"]].concat();
    vec![
        (Role::Secretariat, "/office/board", secretariat),
        (Role::Administrator, "/office/board", administrator),
        (
            Role::TokyoOfficial,
            "/office/approvals",
            vec![
                "/office/approvals",
                "/office/reports/contact-breaches",
                "/office/incidents/figures",
                "/office/guidance/figures",
                "/office/inquiries/figures",
                "/office/risk/figures",
                "/office/surveys",
                "/office/reports/results",
            ],
        ),
        (Role::UtmOperator, "/office/devices", [&devices[..], &["/office/incidents/figures"]].concat()),
        (Role::Expert, "/office/guidance", vec!["/office/guidance", "/office/risk"]),
    ]
}

/// The links of the office menu (`nav#office-menu`) on a page, in order.
pub(crate) fn menu_links(page: &str) -> Vec<String> {
    let start = page.find("id=\"office-menu\"").unwrap_or_else(|| panic!("no office menu in {page}"));
    let end = start + page[start..].find("</nav>").expect("the menu ends");
    page[start..end].split("href=\"").skip(1).map(|rest| rest.split('"').next().unwrap().to_string()).collect()
}

async fn sign_in_again(app: &TestApp, email: &str, password: &str) -> String {
    let fresh = client();
    let page = fresh.get(app.at("/office/login")).send().await.unwrap().text().await.unwrap();
    let csrf = common::hidden_value(&page, "csrf");
    let response = fresh
        .post(app.at("/office/login"))
        .form(&[("email", email), ("password", password), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    response.headers()["location"].to_str().unwrap().to_string()
}

async fn each_role_lands_on_its_home_and_opens_exactly_its_menu(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    for n in 1..=2 {
        assert_eq!(app.apply(&common::application(n, "utm")).await.status(), 201);
    }
    for (role, home, expected_menu) in workspaces() {
        let user = client();
        let email = format!("{}@example.jp", role.code());
        let password = app.sign_in(&user, &email, role).await;
        assert_eq!(sign_in_again(&app, &email, &password).await, home, "{role:?} lands on its home");
        let office = user.get(app.at("/office")).send().await.unwrap();
        assert_eq!(office.status(), 303);
        assert_eq!(office.headers()["location"], home, "{role:?}: /office leads home");

        let page = user.get(app.at(home)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{role:?} {home}");
        let page = page.text().await.unwrap();
        assert!(page.contains("<a href=\"/office\">"), "{role:?}: the header links to the office home");
        assert!(page.contains("action=\"/office/logout\""), "{role:?} can sign out");
        let mut menu = menu_links(&page);
        assert_eq!(menu.pop().as_deref(), Some("/office/password"), "{role:?}: the password page ends the menu");
        assert_eq!(menu, expected_menu, "{role:?}: the menu holds exactly what the role may open");

        for link in &menu {
            let response = user.get(app.at(link)).send().await.unwrap();
            assert_eq!(response.status(), 200, "{role:?} opens {link} from its menu");
        }
        assert_eq!(user.get(app.at("/office/password")).send().await.unwrap().status(), 200);

        for refused in MENU_PAGES.iter().filter(|path| !menu.iter().any(|m| m == *path)) {
            let response = user.get(app.at(refused)).send().await.unwrap();
            assert_eq!(response.status(), 403, "{role:?} may not open {refused}");
            let page = response.text().await.unwrap();
            // The refusal keeps the office layout: the role's menu, sign-out, what it can do instead.
            let mut kept = menu_links(&page);
            kept.pop();
            assert_eq!(kept, expected_menu, "{role:?} {refused}: the refusal shows the role's menu");
            assert!(page.contains("id=\"sign-out\"") && !common::hidden_value(&page, "csrf").is_empty());
            assert!(page.contains("このページはあなたの役割では開けません"), "{role:?} {refused}: {page}");
            assert!(page.contains(&format!("<a href=\"{home}\" id=\"home-link\">")), "{role:?}: a link home");
        }
    }
    app.stop().await;
}

async fn an_expert_has_a_home_that_says_what_comes(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let expert = client();
    app.sign_in(&expert, "expert@example.jp", Role::Expert).await;
    // Its home is the list of the companies assigned to it (none yet).
    let page = expert.get(app.at("/office/guidance")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("担当する企業はありません"));
    let home = expert.get(app.at("/office/home")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("担当する企業の経営指導"), "{home}");
    let english = expert.get(app.at("/office/home?lang=en")).send().await.unwrap().text().await.unwrap();
    assert!(english.contains("An expert account guides the companies assigned to it"), "{english}");
    // A refusal is worded in the language chosen.
    expert.get(app.at("/lang/en")).send().await.unwrap();
    let refused = expert.get(app.at("/office/board")).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("Your role cannot open this page."));
    // Other staff may open the page too.
    let secretariat = client();
    app.sign_in(&secretariat, "jimukyoku@example.jp", Role::Secretariat).await;
    assert_eq!(secretariat.get(app.at("/office/home")).send().await.unwrap().status(), 200);
    app.stop().await;
}

async fn submit(app: &TestApp, n: u32) -> (Uuid, String) {
    let body: serde_json::Value = app.apply(&common::application(n, "utm")).await.json().await.unwrap();
    let reference = body["reference"].as_str().unwrap().to_string();
    let id = store::applications::find_by_reference(&app.running.db, &reference).await.unwrap().unwrap().id;
    (id, reference)
}

async fn state(app: &TestApp, id: Uuid) -> CaseState {
    store::applications::get(&app.running.db, id).await.unwrap().status
}

/// Whether the approvals list ticks the case's box.
fn ticked(page: &str, id: Uuid) -> bool {
    let marker = format!("name=\"case\" value=\"{id}\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no box for {id}"));
    page[start..].split('>').next().unwrap().contains(" checked")
}

async fn tokyo_reads_the_cases_awaiting_its_approval_read_only(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let (decided, _) = submit(&app, 1).await;
    let (received, _) = submit(&app, 2).await;
    common::decide_case(&app, decided).await;
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;

    let list = tokyo.get(app.at("/office/approvals")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains(&format!("<a href=\"/office/applications/{decided}\">")), "the reference links to the case");
    assert!(!list.contains(&received.to_string()), "a case not awaiting approval is not listed");

    let case = tokyo.get(app.at(&format!("/office/applications/{decided}"))).send().await.unwrap();
    assert_eq!(case.status(), 200, "Tokyo opens a case awaiting its approval");
    let page = case.text().await.unwrap();
    assert!(page.contains("株式会社テスト1") && page.contains("id=\"read-only\""), "{page}");
    assert!(!page.contains(&format!("action=\"/office/applications/{decided}/")), "no action form for Tokyo: {page}");
    assert_eq!(page.matches("type=\"submit\"").count(), 1, "no button for Tokyo but sign-out: {page}");
    // The reading is audited like every other reading of personal data.
    let trail = store::audit::for_subject(&app.running.db, "application", &decided.to_string()).await.unwrap();
    assert!(
        trail.iter().any(|a| a.action == "application.view" && a.actor_label.contains("tokyo@example.jp")),
        "{trail:?}"
    );
    // Any other case stays the secretariat's: refused, with the office layout kept.
    let other = tokyo.get(app.at(&format!("/office/applications/{received}"))).send().await.unwrap();
    assert_eq!(other.status(), 403);
    assert!(other.text().await.unwrap().contains("id=\"home-link\""));
    // Tokyo changes nothing but the approval: the case's own actions stay refused.
    let csrf = common::hidden_value(&list, "csrf");
    let refused = tokyo
        .post(app.at(&format!("/office/applications/{decided}/event")))
        .form(&[("csrf", csrf.as_str()), ("event", "withdraw"), ("reason", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(state(&app, decided).await, CaseState::CourseDecided);
    // The secretariat reads either case and keeps its forms.
    let secretariat = client();
    app.sign_in(&secretariat, "jimukyoku@example.jp", Role::Secretariat).await;
    let page = secretariat.get(app.at(&format!("/office/applications/{received}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(!page.text().await.unwrap().contains("id=\"read-only\""));
    app.stop().await;
}

async fn approving_is_confirmed_first_and_the_selection_is_kept(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let mut cases = Vec::new();
    for n in 1..=3 {
        let case = submit(&app, n).await;
        common::decide_case(&app, case.0).await;
        cases.push(case);
    }
    let [(one, ref_one), (two, ref_two), (three, ref_three)] = <[(Uuid, String); 3]>::try_from(cases).unwrap();
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    let list = tokyo.get(app.at("/office/approvals")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("id=\"select-all\" hidden"), "select-all waits for the script");
    assert!(list.contains("<script src=\"/static/approvals.js\"></script>"));
    let script = tokyo.get(app.at("/static/approvals.js")).send().await.unwrap();
    assert_eq!(script.status(), 200);
    assert!(script.text().await.unwrap().contains("select-all"));
    let csrf = common::hidden_value(&list, "csrf");
    let post = |path: &'static str, fields: Vec<(&'static str, String)>| {
        let mut form = vec![("csrf", csrf.clone())];
        form.extend(fields);
        let request = tokyo.post(app.at(path)).form(&form);
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };

    // Approving lists what will be approved, and changes nothing yet.
    let (status, page) = post(
        "/office/approvals/confirm",
        vec![("action", "approve".into()), ("case", one.to_string()), ("case", two.to_string())],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let listed = page.split("id=\"confirm-cases\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(listed.contains(&ref_one) && listed.contains("株式会社テスト1") && listed.contains(&ref_two), "{listed}");
    assert!(!listed.contains(&ref_three), "only the selected cases are listed");
    assert!(page.contains("承認する（2件）"), "{page}");
    for id in [one, two, three] {
        assert_eq!(state(&app, id).await, CaseState::CourseDecided, "nothing is approved before the confirmation");
    }
    // The way back keeps the selection.
    let back = format!("/office/approvals?case={one}&case={two}");
    let href = page.split("\" id=\"back\"").next().unwrap().rsplit("href=\"").next().unwrap();
    assert_eq!(href.replace("&amp;", "&").replace("&#38;", "&"), back, "the way back names the selection");
    let list = tokyo.get(app.at(&back)).send().await.unwrap().text().await.unwrap();
    assert!(ticked(&list, one) && ticked(&list, two) && !ticked(&list, three));

    // Nothing selected, or a return without its reason: the list again, the selection kept.
    let (status, page) = post("/office/approvals/confirm", vec![("action", "approve".into())]).await;
    assert_eq!(status, 422);
    assert!(page.contains("id=\"problem\""));
    let (status, page) = post(
        "/office/approvals/confirm",
        vec![
            ("action", "return".into()),
            ("case", one.to_string()),
            ("case", three.to_string()),
            ("reason", " ".into()),
        ],
    )
    .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("id=\"problem\""));
    assert!(ticked(&page, one) && !ticked(&page, two) && ticked(&page, three), "the selection is kept");

    // Confirming sends what the confirmation page carries.
    let (_, confirm) = post(
        "/office/approvals/confirm",
        vec![("action", "approve".into()), ("case", one.to_string()), ("case", two.to_string())],
    )
    .await;
    let carried: Vec<(&'static str, String)> = confirm
        .split("name=\"case\" value=\"")
        .skip(1)
        .map(|rest| ("case", rest.split('"').next().unwrap().to_string()))
        .chain([("action", common::hidden_value(&confirm, "action"))])
        .collect();
    let (status, page) = post("/office/approvals", carried).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("2件を承認しました"), "{page}");
    assert_eq!(state(&app, one).await, CaseState::Approved);
    assert_eq!(state(&app, two).await, CaseState::Approved);
    assert_eq!(state(&app, three).await, CaseState::CourseDecided);

    // A refusal at the last step brings the list back with the refused case still ticked.
    let (status, page) =
        post("/office/approvals", vec![("action", "return".into()), ("case", three.to_string())]).await;
    assert_eq!(status, 422, "{page}");
    assert!(ticked(&page, three), "the refused case stays ticked");
    assert_eq!(state(&app, three).await, CaseState::CourseDecided);
    app.stop().await;
}

async fn actions_that_end_a_case_stand_apart_and_name_the_company(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let (id, _) = submit(&app, 1).await;
    let secretariat = client();
    app.sign_in(&secretariat, "jimukyoku@example.jp", Role::Secretariat).await;
    let page =
        secretariat.get(app.at(&format!("/office/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    let closing =
        page.split("id=\"closing-actions\"").nth(1).expect("a section of its own").split("</section>").next().unwrap();
    for (event, label) in
        [("withdraw", "辞退を記録する（企業からの申出）"), ("mark_ineligible", "対象外とする（参加要件を満たさない）")]
    {
        assert!(closing.contains(&format!("data-event=\"{event}\">{label}</button>")), "{event}: {closing}");
        assert!(closing.contains(&format!("required data-confirm=\"{event}\"")), "{event} asks to confirm");
    }
    assert!(
        closing.contains("「株式会社テスト1」") && closing.contains("元に戻せません"),
        "the company and the consequence"
    );
    assert!(closing.contains("button-danger"));
    // Everyday steps are not among them.
    let everyday = page.split("id=\"closing-actions\"").next().unwrap();
    assert!(!everyday.contains("data-event=\"withdraw\""));
    // Tokyo, who may not end cases, is offered none of them on the cases it reads.
    common::decide_case(&app, id).await;
    let tokyo = client();
    app.sign_in(&tokyo, "tokyo@example.jp", Role::TokyoOfficial).await;
    let page = tokyo.get(app.at(&format!("/office/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("closing-actions"));
    app.stop().await;
}

async fn a_company_user_refused_by_the_office_keeps_the_portal_way_out(backend: Backend) {
    let app = spawn_app(backend, Setup::default()).await;
    let (id, _) = submit(&app, 1).await;
    let company = crate::agreement::company_session(&app, id).await;
    let refused = company.get(app.at("/office/board")).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let page = refused.text().await.unwrap();
    assert!(page.contains("action=\"/portal/logout\""), "{page}");
    assert!(!page.contains("office-menu") && !page.contains("<a href=\"/office\">"), "no office menu or link: {page}");
    app.stop().await;
}
