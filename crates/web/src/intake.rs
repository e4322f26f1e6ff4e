//! The submission door shared by the web form and `POST /api/v1/applications`: the per-address
//! rate limit, then the one use case, [`app::intake::submit`].

use domain::application::ApplicationInput;
use store::applications::SubmittedFacts;

pub use app::intake::SubmitError;

use crate::AppState;
use crate::client::ClientIp;

pub async fn submit(state: &AppState, input: &ApplicationInput, ip: ClientIp) -> Result<SubmittedFacts, SubmitError> {
    if !state.submit_limiter.allow(ip.0) {
        return Err(SubmitError::RateLimited);
    }
    let programme = state.current_programme().await.map_err(SubmitError::Store)?;
    app::intake::submit(&state.services, &state.submissions, programme, input, ip.to_db(), state.clock.now()).await
}
