//! Small-cell suppression: what of a figure about companies may leave the secretariat (to Tokyo,
//! to the public `/stats` page, into the results report).
//!
//! The rule (docs/decisions.md, "Small cells"): a figure that describes fewer than
//! [`MIN_COMPANIES`] companies — from 1 to 4 — is shown as "<5" (*primary* suppression). Zero is
//! shown: it describes no company. A table published with its totals must not let a suppressed
//! cell be worked out by subtraction, so every line (a row with its row total, a column with its
//! column total, the totals with the grand total) that holds exactly one hidden figure hides one
//! more (*complementary* suppression, shown as "x"): the smallest non-zero visible cell of the
//! line, else the line's total. This repeats until no line has exactly one hidden figure, so no
//! sum of one line gives a hidden figure away. A figure derived from fewer than 5 companies (a
//! median, a rate) is withheld whole ([`disclose`]).

use serde::{Deserialize, Serialize};

/// The fewest companies a published figure may describe.
pub const MIN_COMPANIES: u64 = 5;

/// One published cell of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "shown", content = "value", rename_all = "snake_case")]
pub enum Cell {
    /// The count, as it is.
    Count(u64),
    /// 1 to 4 companies: "<5".
    Small,
    /// Hidden so that a small cell cannot be worked out from the totals: "x".
    Complementary,
    /// Not shown at all, saying nothing (not even whether it is 0): "—". A table that follows
    /// totals published elsewhere withholds its breakdown this way when those totals alone
    /// would pin a small figure ([`Linked::follows`]).
    Withheld,
}

impl Cell {
    /// As printed in a table or a CSV cell.
    pub fn label(self) -> String {
        match self {
            Cell::Count(n) => n.to_string(),
            Cell::Small => "<5".into(),
            Cell::Complementary => "x".into(),
            Cell::Withheld => "—".into(),
        }
    }

    pub fn count(self) -> Option<u64> {
        match self {
            Cell::Count(n) => Some(n),
            _ => None,
        }
    }

    pub fn is_hidden(self) -> bool {
        !matches!(self, Cell::Count(_))
    }
}

/// The note printed under a table with hidden cells.
pub const NOTE_JA: &str =
    "「<5」は5社未満のため非表示。「x」は他の数値から「<5」の値を計算できないよう非表示にした値です。";
pub const NOTE_EN: &str = "\"<5\": fewer than 5 companies, not shown. \"x\": hidden so that a \"<5\" value cannot be worked out from the other figures.";

/// A figure derived from `companies` companies (a median, a rate, an average): `None` — not
/// published — when they are fewer than [`MIN_COMPANIES`].
pub fn disclose<T>(companies: u64, value: T) -> Option<T> {
    (companies >= MIN_COMPANIES).then_some(value)
}

/// A count of companies as published on its own, without a table around it.
pub fn single(count: u64) -> Cell {
    if (1..MIN_COMPANIES).contains(&count) { Cell::Small } else { Cell::Count(count) }
}

/// Who a figure about companies is shown to: inside the secretariat (its staff, the
/// administrator, the UTM operator that runs the programme's devices) exact; outside it (Tokyo's
/// officials, the public) under the small-cell rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Inside,
    Outside,
}

impl Audience {
    /// The audience of a signed-in role (`None`: the public).
    pub fn of(role: Option<crate::access::Role>) -> Audience {
        use crate::access::Role;
        match role {
            Some(Role::Administrator | Role::Secretariat | Role::UtmOperator) => Audience::Inside,
            _ => Audience::Outside,
        }
    }

    /// A count of companies on its own.
    pub fn count(self, companies: u64) -> Cell {
        match self {
            Audience::Inside => Cell::Count(companies),
            Audience::Outside => single(companies),
        }
    }

    /// Counts of companies that are parts of one whole (with their total), as a list.
    pub fn list(self, counts: &[u64]) -> (Vec<Cell>, Cell) {
        match self {
            Audience::Inside => (counts.iter().map(|&n| Cell::Count(n)).collect(), Cell::Count(counts.iter().sum())),
            Audience::Outside => {
                let published = suppress(&counts.iter().map(|&n| vec![n]).collect::<Vec<_>>());
                (published.cells.into_iter().map(|row| row[0]).collect(), published.total)
            }
        }
    }

    /// A count of things (tickets, assets) that `companies` companies hold: withheld ("<5")
    /// outside the secretariat when they are 1 to 4 companies.
    pub fn held(self, count: u64, companies: u64) -> Cell {
        match self.derived(companies, Some(count)) {
            Some(count) => Cell::Count(count),
            None if count == 0 => Cell::Count(0),
            None => Cell::Small,
        }
    }

    /// A breakdown of things (tickets by category, say) whose counts add up to a published total,
    /// each as `(count, companies holding them)`: as [`Audience::held`], and when any part is
    /// withheld every other non-zero part is hidden too ("x"), so that the total minus the
    /// shown parts gives nothing away.
    pub fn held_parts(self, parts: &[(u64, u64)]) -> Vec<Cell> {
        let cells: Vec<Cell> = parts.iter().map(|&(count, companies)| self.held(count, companies)).collect();
        if !cells.iter().any(|c| c.is_hidden()) {
            return cells;
        }
        cells
            .into_iter()
            .map(|cell| match cell {
                Cell::Count(n) if n > 0 => Cell::Complementary,
                other => other,
            })
            .collect()
    }

    /// A figure derived from `companies` companies (an average, a median, a rate).
    pub fn derived<T>(self, companies: u64, value: Option<T>) -> Option<T> {
        match self {
            Audience::Inside => value,
            Audience::Outside => value.and_then(|value| disclose(companies, value)),
        }
    }
}

/// A table of company counts with its totals, as it may be published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// `cells[row][column]`.
    pub cells: Vec<Vec<Cell>>,
    pub row_totals: Vec<Cell>,
    pub column_totals: Vec<Cell>,
    pub total: Cell,
}

impl Published {
    /// Whether anything is hidden (the note is printed).
    pub fn has_hidden(&self) -> bool {
        self.total.is_hidden()
            || self.row_totals.iter().chain(&self.column_totals).any(|c| c.is_hidden())
            || self.cells.iter().flatten().any(|c| c.is_hidden())
    }
}

/// Positions in the table extended by its totals: `(rows + 1) × (columns + 1)`, the last row
/// and column being the totals.
struct Grid {
    values: Vec<Vec<u64>>,
    hidden: Vec<Vec<Option<Cell>>>,
    /// Published elsewhere as they are: never chosen to be hidden here.
    fixed: Vec<Vec<bool>>,
}

impl Grid {
    fn rows(&self) -> usize {
        self.values.len()
    }

    fn columns(&self) -> usize {
        self.values.first().map_or(0, Vec::len)
    }

    /// The lines of the grid: every row and every column (each with its total as its last place).
    fn lines(&self) -> Vec<Vec<(usize, usize)>> {
        let (rows, columns) = (self.rows(), self.columns());
        let mut lines = Vec::new();
        for r in 0..rows {
            lines.push((0..columns).map(|c| (r, c)).collect());
        }
        for c in 0..columns {
            lines.push((0..rows).map(|r| (r, c)).collect());
        }
        lines
    }
}

/// The largest bound: "no upper bound".
const UNBOUNDED: i64 = i64::MAX / 4;

/// The sum of one end (`which`) of the bounds of a line's cells, but `skip`; at most [`UNBOUNDED`].
fn line_sum(
    bounds: &[Vec<(i64, i64)>],
    body: &[(usize, usize)],
    which: fn((i64, i64)) -> i64,
    skip: Option<(usize, usize)>,
) -> i64 {
    body.iter()
        .filter(|&&p| Some(p) != skip)
        .map(|&(r, c)| which(bounds[r][c]))
        .fold(0i64, |acc, v| acc.saturating_add(v).min(UNBOUNDED))
}

impl Grid {
    /// Every row and every column of the grid, as positions with the line's total last.
    fn all_lines(&self) -> Vec<Vec<(usize, usize)>> {
        self.lines()
    }

    /// What someone holding the published grid can bound each figure to: a shown figure is
    /// itself; "<5" is 1–4; "x" is 0 or at least 5 (taken as its lower bound, 0 or 5); then every
    /// line's sum narrows every hidden figure of it, repeatedly, until nothing narrows further.
    fn bounds(&self) -> Vec<Vec<(i64, i64)>> {
        let value = |r: usize, c: usize| i64::try_from(self.values[r][c]).unwrap_or(UNBOUNDED);
        let mut bounds: Vec<Vec<(i64, i64)>> = (0..self.rows())
            .map(|r| {
                (0..self.columns())
                    .map(|c| match self.hidden[r][c] {
                        None => (value(r, c), value(r, c)),
                        Some(Cell::Small) => (1, 4),
                        Some(_) if value(r, c) == 0 => (0, UNBOUNDED),
                        Some(_) => (5, UNBOUNDED),
                    })
                    .collect()
            })
            .collect();
        let lines = self.all_lines();
        for _ in 0..1000 {
            let mut changed = false;
            for line in &lines {
                let (body, total) = line.split_at(line.len() - 1);
                let (tr, tc) = total[0];
                let (lo_t, hi_t) = bounds[tr][tc];
                let narrowed = (
                    lo_t.max(line_sum(&bounds, body, |b| b.0, None)),
                    hi_t.min(line_sum(&bounds, body, |b| b.1, None)),
                );
                if narrowed != bounds[tr][tc] {
                    bounds[tr][tc] = narrowed;
                    changed = true;
                }
                for &(r, c) in body {
                    let (lo, hi) = bounds[r][c];
                    let others_hi = line_sum(&bounds, body, |b| b.1, Some((r, c)));
                    let others_lo = line_sum(&bounds, body, |b| b.0, Some((r, c)));
                    let (lo_t, hi_t) = bounds[tr][tc];
                    let new_lo = if others_hi >= UNBOUNDED { lo } else { lo.max(lo_t - others_hi) };
                    let new_hi = if hi_t >= UNBOUNDED { hi } else { hi.min(hi_t - others_lo) };
                    if (new_lo, new_hi) != (lo, hi) {
                        bounds[r][c] = (new_lo, new_hi);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        bounds
    }

    /// A small figure that the sums pin to one value, if any.
    fn pinned_small(&self) -> Option<(usize, usize)> {
        let bounds = self.bounds();
        (0..self.rows())
            .flat_map(|r| (0..self.columns()).map(move |c| (r, c)))
            .find(|&(r, c)| self.hidden[r][c] == Some(Cell::Small) && bounds[r][c].0 >= bounds[r][c].1)
    }

    /// One more figure to hide near `(r, c)`: the smallest visible non-zero cell of its row, else
    /// of its column, else the row's total, else the column's total, else the grand total, else
    /// the smallest figure shown anywhere.
    fn next_to_hide(&self, (r, c): (usize, usize)) -> Option<(usize, usize)> {
        let (rows, columns) = (self.rows(), self.columns());
        let choosable = |rr: usize, cc: usize| self.hidden[rr][cc].is_none() && !self.fixed[rr][cc];
        let visible_nonzero = |&(rr, cc): &(usize, usize)| choosable(rr, cc) && self.values[rr][cc] > 0;
        let row: Vec<(usize, usize)> = (0..columns - 1).map(|cc| (r, cc)).collect();
        let column: Vec<(usize, usize)> = (0..rows - 1).map(|rr| (rr, c)).collect();
        let smallest = |cells: &[(usize, usize)]| {
            cells.iter().filter(|p| visible_nonzero(p)).min_by_key(|&&(rr, cc)| (self.values[rr][cc], rr, cc)).copied()
        };
        let everywhere: Vec<(usize, usize)> = (0..rows).flat_map(|rr| (0..columns).map(move |cc| (rr, cc))).collect();
        smallest(&row)
            .or_else(|| smallest(&column))
            .or_else(|| Some((r, columns - 1)).filter(|&(rr, cc)| choosable(rr, cc)))
            .or_else(|| Some((rows - 1, c)).filter(|&(rr, cc)| choosable(rr, cc)))
            // Pinned through other lines (a total of totals): the grand total, then the
            // smallest figure shown anywhere.
            .or_else(|| Some((rows - 1, columns - 1)).filter(|&(rr, cc)| choosable(rr, cc)))
            .or_else(|| smallest(&everywhere))
    }
}

/// A place in a published table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Cell(usize, usize),
    RowTotal(usize),
    ColumnTotal(usize),
    Total,
}

impl Published {
    /// The published figure at `place`.
    pub fn at(&self, place: Place) -> Cell {
        match place {
            Place::Cell(r, c) => self.cells[r][c],
            Place::RowTotal(r) => self.row_totals[r],
            Place::ColumnTotal(c) => self.column_totals[c],
            Place::Total => self.total,
        }
    }
}

/// One of several tables published together, with the figures it shares with the others: each
/// shared figure is named by a key, the same key in every table that prints it (a course's
/// participants are a cell of the courses table and a column total of the industries table).
#[derive(Debug, Clone)]
pub struct Linked<'a> {
    pub counts: &'a [Vec<u64>],
    pub shared: Vec<(Place, usize)>,
    /// Figures this table prints as the tables that share them do, without ever choosing to
    /// hide one itself (a table published after the others, whose totals are already out):
    /// hidden when another hides it, else shown, and the table's own protection is found
    /// among its other figures.
    pub follows: Vec<(Place, usize)>,
}

/// Publishes tables that share figures so that a figure one of them hides is hidden in every
/// one (else the table that shows it undoes the other's complementary suppression): each table
/// is suppressed on its own, every shared figure any of them hides is then hidden in all, and
/// so on until none hides more. The rule of each table still holds, so no line of any table
/// gives a small figure away, and a shared figure is shown alike everywhere.
pub fn suppress_linked(tables: &[Linked<'_>]) -> Vec<Published> {
    let mut hidden_keys = std::collections::BTreeSet::new();
    loop {
        let published: Vec<Published> = tables
            .iter()
            .map(|table| {
                let all = table.shared.iter().chain(&table.follows);
                let hide: Vec<Place> =
                    all.filter(|(_, key)| hidden_keys.contains(key)).map(|(place, _)| *place).collect();
                let fixed: Vec<Place> = table
                    .follows
                    .iter()
                    .filter(|(_, key)| !hidden_keys.contains(key))
                    .map(|(place, _)| *place)
                    .collect();
                suppress_hiding(table.counts, &hide, &fixed)
            })
            .collect();
        let mut next = hidden_keys.clone();
        for (table, published) in tables.iter().zip(&published) {
            next.extend(table.shared.iter().filter(|(place, _)| published.at(*place).is_hidden()).map(|(_, key)| *key));
        }
        if next == hidden_keys {
            return published;
        }
        hidden_keys = next;
    }
}

/// Publishes `counts` (`counts[row][column]`, every row as long) with its row, column and grand
/// totals under the small-cell rule. A table with one column is a list with its total.
pub fn suppress(counts: &[Vec<u64>]) -> Published {
    suppress_hiding(counts, &[], &[])
}

/// As [`suppress`], with the figures at `hide` hidden from the start ("x", or "<5" when small)
/// and those at `fixed` never chosen to be hidden.
fn suppress_hiding(counts: &[Vec<u64>], hide: &[Place], fixed: &[Place]) -> Published {
    let columns = counts.first().map_or(0, Vec::len);
    assert!(counts.iter().all(|row| row.len() == columns), "every row of a table has as many cells");
    // The grid with totals: rows + 1 × columns + 1.
    let mut values: Vec<Vec<u64>> = counts
        .iter()
        .map(|row| {
            let mut row = row.clone();
            row.push(row.iter().sum());
            row
        })
        .collect();
    let column_totals: Vec<u64> = (0..=columns).map(|c| values.iter().map(|row| row[c]).sum()).collect();
    values.push(column_totals);
    let hidden = values
        .iter()
        .map(|row| row.iter().map(|&v| (single(v) == Cell::Small).then_some(Cell::Small)).collect())
        .collect();
    let rows = counts.len();
    let position = |place: Place| match place {
        Place::Cell(r, c) => (r, c),
        Place::RowTotal(r) => (r, columns),
        Place::ColumnTotal(c) => (rows, c),
        Place::Total => (rows, columns),
    };
    let mut is_fixed = vec![vec![false; columns + 1]; rows + 1];
    for place in fixed {
        let (r, c) = position(*place);
        is_fixed[r][c] = true;
        // A list's row totals are its cells, its grand total its column's total.
        if columns == 1 {
            is_fixed[r][1 - c] = true;
        }
    }
    let mut grid = Grid { values, hidden, fixed: is_fixed };
    for place in hide {
        let (r, c) = position(*place);
        if grid.hidden[r][c].is_none() {
            grid.hidden[r][c] = Some(Cell::Complementary);
        }
    }
    loop {
        second_in_every_line(&mut grid);
        // The sums with what the marks say ("<5" is 1–4, "x" at least 5) must leave every
        // small figure more than one value.
        let Some(pinned) = grid.pinned_small() else { break };
        let Some((r, c)) = grid.next_to_hide(pinned) else {
            // Only figures published elsewhere are left to hide: those pin it (9 applications,
            // 7 taking part, and the other 2 split as 1 and 1). The breakdown says nothing then.
            if !fixed.is_empty() {
                for (r, row) in grid.hidden.iter_mut().enumerate() {
                    for (c, cell) in row.iter_mut().enumerate() {
                        if !grid.fixed[r][c] {
                            *cell = Some(Cell::Withheld);
                        }
                    }
                }
            }
            break;
        };
        grid.hidden[r][c] = Some(Cell::Complementary);
    }
    let cell = |r: usize, c: usize| grid.hidden[r][c].unwrap_or(Cell::Count(grid.values[r][c]));
    Published {
        cells: (0..rows).map(|r| (0..columns).map(|c| cell(r, c)).collect()).collect(),
        row_totals: (0..rows).map(|r| cell(r, columns)).collect(),
        column_totals: (0..columns).map(|c| cell(rows, c)).collect(),
        total: cell(rows, columns),
    }
}

/// Hides one more figure in every line that holds exactly one hidden figure, until none does.
fn second_in_every_line(grid: &mut Grid) {
    loop {
        let mut changed = false;
        for (index, line) in grid.lines().into_iter().enumerate() {
            let hidden = line.iter().filter(|&&(r, c)| grid.hidden[r][c].is_some()).count();
            if hidden != 1 {
                continue;
            }
            // Among the visible non-zero cells (not the line's total), one whose crossing line
            // already holds exactly one hidden figure mends both lines; else the smallest. Then
            // the total; then (everything else zero) a zero cell, so the line holds two unknowns.
            let is_row = index < grid.rows();
            let crossing_hidden = |r: usize, c: usize| {
                if is_row {
                    (0..grid.rows()).filter(|&rr| grid.hidden[rr][c].is_some()).count()
                } else {
                    (0..grid.columns()).filter(|&cc| grid.hidden[r][cc].is_some()).count()
                }
            };
            let (body, total) = line.split_at(line.len() - 1);
            let visible = |&&(r, c): &&(usize, usize)| grid.hidden[r][c].is_none() && !grid.fixed[r][c];
            let pick = body
                .iter()
                .filter(visible)
                .filter(|&&(r, c)| grid.values[r][c] > 0)
                .min_by_key(|&&(r, c)| (crossing_hidden(r, c) != 1, grid.values[r][c], r, c))
                .or_else(|| total.iter().find(visible))
                .or_else(|| body.iter().find(visible))
                .copied();
            if let Some((r, c)) = pick {
                grid.hidden[r][c] = Some(Cell::Complementary);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What someone holding the published table can work out: every line whose sum is known
    /// (its total, or — for a total — its cells) with exactly one unknown gives that unknown;
    /// repeated until nothing more follows. Returns the grid of known values.
    fn attack(published: &Published) -> Vec<Vec<Option<u64>>> {
        let rows = published.cells.len();
        let columns = published.column_totals.len();
        let mut known: Vec<Vec<Option<u64>>> = (0..=rows)
            .map(|r| {
                (0..=columns)
                    .map(|c| {
                        let cell = match (r == rows, c == columns) {
                            (false, false) => published.cells[r][c],
                            (false, true) => published.row_totals[r],
                            (true, false) => published.column_totals[c],
                            (true, true) => published.total,
                        };
                        cell.count()
                    })
                    .collect()
            })
            .collect();
        loop {
            let mut learned = false;
            let mut lines: Vec<Vec<(usize, usize)>> =
                (0..=rows).map(|r| (0..=columns).map(|c| (r, c)).collect()).collect();
            lines.extend((0..=columns).map(|c| (0..=rows).map(|r| (r, c)).collect::<Vec<_>>()));
            for line in lines {
                let unknown: Vec<_> = line.iter().filter(|&&(r, c)| known[r][c].is_none()).copied().collect();
                if unknown.len() != 1 {
                    continue;
                }
                let (body, total) = line.split_at(line.len() - 1);
                let (ur, uc) = unknown[0];
                let value = if total[0] == (ur, uc) {
                    body.iter().map(|&(r, c)| known[r][c].unwrap()).sum::<u64>()
                } else {
                    let sum: u64 = body.iter().filter(|&&p| p != (ur, uc)).map(|&(r, c)| known[r][c].unwrap()).sum();
                    known[total[0].0][total[0].1].unwrap() - sum
                };
                known[ur][uc] = Some(value);
                learned = true;
            }
            if !learned {
                return known;
            }
        }
    }

    /// Every value each hidden figure can take, given everything published: shown figures,
    /// "<5" as 1–4, "x" as 0 or 5 and more, and every row's and column's sum — found by trying
    /// every assignment (small tables only). Keyed by position in the grid with totals.
    fn feasible(published: &Published, truth: &[Vec<u64>]) -> std::collections::HashMap<(usize, usize), Vec<u64>> {
        let rows = published.cells.len();
        let columns = published.column_totals.len();
        let at = |r: usize, c: usize| match (r == rows, c == columns) {
            (false, false) => published.cells[r][c],
            (false, true) => published.row_totals[r],
            (true, false) => published.column_totals[c],
            (true, true) => published.total,
        };
        // "x" runs up to a bound that is not published (the true total, with room above it).
        let grand: u64 = truth.iter().flatten().sum::<u64>() + 12;
        let mut known: Vec<Vec<Option<u64>>> =
            (0..=rows).map(|r| (0..=columns).map(|c| at(r, c).count()).collect()).collect();
        let hidden: Vec<(usize, usize)> = (0..=rows)
            .flat_map(|r| (0..=columns).map(move |c| (r, c)))
            .filter(|&(r, c)| at(r, c).is_hidden())
            .collect();
        let mut lines: Vec<Vec<(usize, usize)>> = (0..=rows).map(|r| (0..=columns).map(|c| (r, c)).collect()).collect();
        lines.extend((0..=columns).map(|c| (0..=rows).map(|r| (r, c)).collect::<Vec<_>>()));
        let mut seen: std::collections::HashMap<(usize, usize), std::collections::BTreeSet<u64>> = Default::default();
        fn consistent(known: &[Vec<Option<u64>>], lines: &[Vec<(usize, usize)>]) -> bool {
            lines.iter().all(|line| {
                let (body, total) = line.split_at(line.len() - 1);
                let assigned: u64 = body.iter().filter_map(|&(r, c)| known[r][c]).sum();
                match known[total[0].0][total[0].1] {
                    Some(t) if body.iter().all(|&(r, c)| known[r][c].is_some()) => assigned == t,
                    Some(t) => assigned <= t,
                    None => true,
                }
            })
        }
        #[allow(clippy::too_many_arguments)]
        fn search(
            i: usize,
            hidden: &[(usize, usize)],
            marks: &dyn Fn(usize, usize) -> Cell,
            grand: u64,
            known: &mut Vec<Vec<Option<u64>>>,
            lines: &[Vec<(usize, usize)>],
            seen: &mut std::collections::HashMap<(usize, usize), std::collections::BTreeSet<u64>>,
        ) {
            if i == hidden.len() {
                for &(r, c) in hidden {
                    seen.entry((r, c)).or_default().insert(known[r][c].unwrap());
                }
                return;
            }
            let (r, c) = hidden[i];
            let values: Vec<u64> = match marks(r, c) {
                Cell::Small => (1..=4).collect(),
                _ => std::iter::once(0).chain(5..=grand.max(5)).collect(),
            };
            for v in values {
                known[r][c] = Some(v);
                if consistent(known, lines) {
                    search(i + 1, hidden, marks, grand, known, lines, seen);
                }
            }
            known[r][c] = None;
        }
        search(0, &hidden, &at, grand, &mut known, &lines, &mut seen);
        seen.into_iter().map(|(k, v)| (k, v.into_iter().collect())).collect()
    }

    fn assert_protected(counts: &[Vec<u64>]) -> Published {
        let published = suppress(counts);
        for (r, row) in counts.iter().enumerate() {
            for (c, &value) in row.iter().enumerate() {
                match published.cells[r][c] {
                    Cell::Count(n) => assert_eq!(n, value, "what is shown is true"),
                    Cell::Small => assert!((1..MIN_COMPANIES).contains(&value)),
                    Cell::Complementary => assert!(value == 0 || value >= MIN_COMPANIES),
                    Cell::Withheld => {}
                }
                if (1..MIN_COMPANIES).contains(&value) {
                    assert_eq!(published.cells[r][c], Cell::Small, "{counts:?}: cell {r},{c}");
                }
            }
        }
        // No hidden small figure can be worked out: one line at a time, and by trying every
        // assignment that fits everything published (small tables).
        let known = attack(&published);
        let size: usize = counts.len() * counts.first().map_or(0, Vec::len);
        let exact = (size <= 6).then(|| feasible(&published, counts));
        for (r, row) in counts.iter().enumerate() {
            for (c, &value) in row.iter().enumerate() {
                if (1..MIN_COMPANIES).contains(&value) {
                    assert_eq!(known[r][c], None, "{counts:?}: cell {r},{c} ({value}) recovered from one line");
                    if let Some(exact) = &exact {
                        let values = &exact[&(r, c)];
                        assert!(values.contains(&value), "{counts:?}: the truth is among the answers");
                        assert!(values.len() >= 2, "{counts:?} → {published:?}: cell {r},{c} is {values:?}");
                    }
                }
            }
        }
        published
    }

    #[test]
    fn the_secretariat_sees_exact_figures_and_the_outside_suppressed_ones() {
        use crate::access::Role;
        assert_eq!(Audience::of(Some(Role::Secretariat)).count(3), Cell::Count(3));
        assert_eq!(Audience::of(Some(Role::TokyoOfficial)).count(3), Cell::Small);
        assert_eq!(Audience::of(None).count(0), Cell::Count(0));
        let (cells, total) = Audience::Outside.list(&[1, 6, 2, 0, 0]);
        assert_eq!(cells, [Cell::Small, Cell::Count(6), Cell::Small, Cell::Count(0), Cell::Count(0)]);
        assert_eq!(total, Cell::Count(9), "two small cells hide each other");
        let (cells, _) = Audience::Outside.list(&[3, 6, 7]);
        assert_eq!(cells, [Cell::Small, Cell::Complementary, Cell::Count(7)]);
        assert_eq!(Audience::Inside.list(&[3, 6]).1, Cell::Count(9));
        assert_eq!(Audience::Outside.held(12, 3), Cell::Small, "12 tickets of 3 companies");
        assert_eq!(Audience::Outside.held(12, 5), Cell::Count(12));
        assert_eq!(Audience::Outside.held(0, 0), Cell::Count(0));
        assert_eq!(Audience::Inside.held(12, 3), Cell::Count(12));
        assert_eq!(
            Audience::Outside.held_parts(&[(20, 9), (8, 6), (2, 1), (0, 0)]),
            [Cell::Complementary, Cell::Complementary, Cell::Small, Cell::Count(0)],
            "30 tickets minus 20 and 8 would give the 2 away"
        );
        assert_eq!(Audience::Inside.held_parts(&[(2, 1)]), [Cell::Count(2)]);
        assert_eq!(Audience::Outside.derived(4, Some(52.5)), None);
        assert_eq!(Audience::Inside.derived(4, Some(52.5)), Some(52.5));
    }

    #[test]
    fn the_attack_recovers_a_cell_hidden_alone() {
        // Only the small cell hidden: the total gives it away, which is what the rule prevents.
        let naive = Published {
            cells: vec![vec![Cell::Count(12)], vec![Cell::Count(8)], vec![Cell::Small]],
            row_totals: vec![Cell::Count(12), Cell::Count(8), Cell::Small],
            column_totals: vec![Cell::Count(23)],
            total: Cell::Count(23),
        };
        assert_eq!(attack(&naive)[2][0], Some(3));
    }

    #[test]
    fn small_counts_are_hidden_and_zero_and_large_ones_shown() {
        assert_eq!(single(0), Cell::Count(0));
        assert_eq!(single(1), Cell::Small);
        assert_eq!(single(4), Cell::Small);
        assert_eq!(single(5), Cell::Count(5));
        assert_eq!(Cell::Small.label(), "<5");
        assert_eq!(Cell::Complementary.label(), "x");
        assert_eq!(disclose(4, 2.5), None);
        assert_eq!(disclose(5, 2.5), Some(2.5));
    }

    #[test]
    fn a_list_hides_a_second_figure_so_the_total_gives_nothing_away() {
        // Applications by ward: 3 in one ward, the total 23 would give it away (23 - 12 - 8).
        let published = assert_protected(&[vec![12], vec![8], vec![3]]);
        assert_eq!(published.cells[2][0], Cell::Small);
        assert_eq!(published.cells[1][0], Cell::Complementary, "the smallest other cell");
        assert_eq!(published.cells[0][0], Cell::Count(12));
        assert_eq!(published.total, Cell::Count(23));
        assert!(published.has_hidden());
    }

    #[test]
    fn rows_and_columns_are_both_protected() {
        // Industries × courses, the differencing attempt over row and column totals.
        let counts = vec![vec![20, 3], vec![15, 9], vec![7, 12], vec![0, 6]];
        let published = assert_protected(&counts);
        assert_eq!(published.cells[0][1], Cell::Small);
        assert!(published.cells.iter().flatten().filter(|c| c.is_hidden()).count() >= 4, "{published:?}");
    }

    #[test]
    fn a_small_total_is_hidden_with_its_cells() {
        let published = assert_protected(&[vec![2, 1], vec![10, 30]]);
        assert_eq!(published.row_totals[0], Cell::Small);
        assert_eq!(published.total, Cell::Count(43));
    }

    #[test]
    fn a_line_of_zeros_and_one_small_cell_hides_its_total() {
        // Ward with 2 companies, all in one course: its total would be the same 2.
        let published = assert_protected(&[vec![0, 2], vec![30, 40]]);
        assert_eq!(published.row_totals[0], Cell::Small);
    }

    #[test]
    fn two_small_cells_whose_sum_is_known_are_not_given_away() {
        // 1 + 1 with 10 beside them and the total 12: "<5", "<5", 10 would say both are 1.
        let published = assert_protected(&[vec![1], vec![1], vec![10]]);
        assert_eq!(published.cells[2][0], Cell::Complementary);
        // 1 with 5 and 20: "<5", "x" (at least 5), 20 and the total 26 would pin it to 1.
        let published = assert_protected(&[vec![1], vec![5], vec![20]]);
        assert!(published.cells[2][0].is_hidden() || published.total.is_hidden(), "{published:?}");
    }

    #[test]
    fn nothing_small_hides_nothing() {
        let published = suppress(&[vec![5, 6], vec![0, 10]]);
        assert!(!published.has_hidden());
        assert_eq!(published.total, Cell::Count(21));
    }

    #[test]
    fn many_generated_tables_resist_the_attack() {
        // A small deterministic generator: tables of 1–6 rows and 1–4 columns with values
        // 0–12 (many small ones).
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..2000 {
            let rows = (next() % 6 + 1) as usize;
            let columns = (next() % 4 + 1) as usize;
            let counts: Vec<Vec<u64>> = (0..rows).map(|_| (0..columns).map(|_| next() % 13).collect()).collect();
            assert_protected(&counts);
        }
        // Small tables, every assignment tried: values that make small sums likely.
        for _ in 0..250 {
            let rows = (next() % 3 + 1) as usize;
            let columns = (next() % 2 + 1) as usize;
            let counts: Vec<Vec<u64>> = (0..rows).map(|_| (0..columns).map(|_| next() % 8).collect()).collect();
            assert_protected(&counts);
        }
    }

    /// What someone holding several published tables can work out when the figures they share
    /// are put side by side: [`attack`] on each, a shared figure learned in one known in all,
    /// until nothing more follows. Returns each table's grid of known values.
    fn attack_linked(tables: &[Linked<'_>], published: &[Published]) -> Vec<Vec<Vec<Option<u64>>>> {
        let grid_place = |p: &Published, place: Place| {
            let (rows, columns) = (p.cells.len(), p.column_totals.len());
            match place {
                Place::Cell(r, c) => (r, c),
                Place::RowTotal(r) => (r, columns),
                Place::ColumnTotal(c) => (rows, c),
                Place::Total => (rows, columns),
            }
        };
        let mut shown: Vec<Published> = published.to_vec();
        loop {
            let known: Vec<_> = shown.iter().map(attack).collect();
            let mut learned = false;
            let mut values = std::collections::HashMap::new();
            for ((table, p), known) in tables.iter().zip(&shown).zip(&known) {
                for (place, key) in table.shared.iter().chain(&table.follows) {
                    let (r, c) = grid_place(p, *place);
                    if let Some(v) = known[r][c] {
                        values.insert(*key, v);
                    }
                }
            }
            for (table, p) in tables.iter().zip(shown.iter_mut()) {
                for (place, key) in table.shared.iter().chain(&table.follows) {
                    let Some(&v) = values.get(key) else { continue };
                    let slot = match *place {
                        Place::Cell(r, c) => &mut p.cells[r][c],
                        Place::RowTotal(r) => &mut p.row_totals[r],
                        Place::ColumnTotal(c) => &mut p.column_totals[c],
                        Place::Total => &mut p.total,
                    };
                    if slot.is_hidden() {
                        *slot = Cell::Count(v);
                        learned = true;
                    }
                }
                // What a table's own lines give is learned through `attack` on the next round.
            }
            if !learned {
                return known;
            }
        }
    }

    /// Participants by course (a list), by industry × course and by area: the courses' figures
    /// and the total are shared.
    fn three_tables<'a>(courses: &'a [Vec<u64>], industries: &'a [Vec<u64>], areas: &'a [Vec<u64>]) -> Vec<Linked<'a>> {
        let k = courses.len();
        let total = k;
        let mut first: Vec<(Place, usize)> = (0..k).map(|c| (Place::Cell(c, 0), c)).collect();
        first.push((Place::ColumnTotal(0), total));
        let mut second: Vec<(Place, usize)> = (0..k).map(|c| (Place::ColumnTotal(c), c)).collect();
        second.push((Place::Total, total));
        vec![
            Linked { counts: courses, shared: first, follows: Vec::new() },
            Linked { counts: industries, shared: second, follows: Vec::new() },
            Linked { counts: areas, shared: vec![(Place::ColumnTotal(0), total)], follows: Vec::new() },
        ]
    }

    /// Whether a small figure of any table can be worked out from all of them together.
    fn leaks(tables: &[Linked<'_>], published: &[Published]) -> bool {
        let known = attack_linked(tables, published);
        tables.iter().zip(&known).any(|(table, known)| {
            table.counts.iter().enumerate().any(|(r, row)| {
                row.iter().enumerate().any(|(c, &v)| (1..MIN_COMPANIES).contains(&v) && known[r][c].is_some())
            })
        })
    }

    #[test]
    fn tables_that_share_figures_hide_them_alike() {
        // Course ② has 3 participants. The courses list hides a second figure beside it; an
        // industries table that shows course ①'s total on its own would give that figure, and
        // with it the 3, away.
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut unlinked_leaks = 0;
        for _ in 0..1500 {
            let k = (next() % 3 + 2) as usize;
            let rows = (next() % 4 + 1) as usize;
            let industries: Vec<Vec<u64>> = (0..rows).map(|_| (0..k).map(|_| next() % 9).collect()).collect();
            let courses: Vec<Vec<u64>> = (0..k).map(|c| vec![industries.iter().map(|row| row[c]).sum()]).collect();
            let all: u64 = courses.iter().map(|c| c[0]).sum();
            let split = if all == 0 { 0 } else { next() % (all + 1) };
            let areas = vec![vec![split], vec![all - split]];
            // And a table published after them that follows their total: the same companies
            // split three ways (by standing, say).
            let first = if all == 0 { 0 } else { next() % (all + 1) };
            let second = if all - first == 0 { 0 } else { next() % (all - first + 1) };
            let standing = vec![vec![first], vec![second], vec![all - first - second]];
            let mut tables = three_tables(&courses, &industries, &areas);
            tables.push(Linked { counts: &standing, shared: Vec::new(), follows: vec![(Place::ColumnTotal(0), k)] });
            let linked = suppress_linked(&tables);
            assert!(!leaks(&tables, &linked), "{courses:?} {industries:?} {areas:?} {standing:?} → {linked:?}");
            assert_eq!(linked[3].total, linked[0].total, "the follower prints the total as the others do");
            let tables = three_tables(&courses, &industries, &areas);
            let linked = suppress_linked(&tables);
            // A shared figure is printed alike in every table.
            assert_eq!(linked[0].total, linked[1].total);
            assert_eq!(linked[0].total, linked[2].total);
            for c in 0..k {
                assert_eq!(linked[0].cells[c][0], linked[1].column_totals[c], "{courses:?} {industries:?}");
            }
            let alone: Vec<Published> = tables.iter().map(|t| suppress(t.counts)).collect();
            if leaks(&tables, &alone) {
                unlinked_leaks += 1;
            }
        }
        assert!(unlinked_leaks > 0, "the attack finds tables that leak when suppressed one by one");
    }

    #[test]
    fn a_table_that_follows_never_hides_a_figure_the_others_show() {
        // Applications by course [8, 1] and a breakdown of the same 9 by standing [7, 2, 0]:
        // the breakdown follows the total the courses table prints.
        let courses = vec![vec![8], vec![1]];
        let standing = vec![vec![7], vec![2], vec![0]];
        let tables = [
            Linked { counts: &courses, shared: vec![(Place::ColumnTotal(0), 0)], follows: Vec::new() },
            Linked { counts: &standing, shared: Vec::new(), follows: vec![(Place::ColumnTotal(0), 0)] },
        ];
        let published = suppress_linked(&tables);
        assert_eq!(published[0].total, Cell::Count(9));
        assert_eq!(published[1].total, Cell::Count(9), "the total stays as the courses table prints it");
        assert_eq!(published[1].cells[1][0], Cell::Small);
        assert_eq!(published[1].cells[0][0], Cell::Complementary, "protected by its own figures");
        // 9 applications, 7 of them in one row: the other 2 are pinned by the totals the
        // follower may not hide (7 and 9 both printed elsewhere), so its breakdown says nothing.
        let split = vec![vec![7], vec![1], vec![1]];
        let seven = vec![vec![7]];
        let tables = [
            Linked {
                counts: &seven,
                shared: vec![(Place::Cell(0, 0), 1), (Place::ColumnTotal(0), 1)],
                follows: Vec::new(),
            },
            Linked {
                counts: &split,
                shared: Vec::new(),
                follows: vec![(Place::Cell(0, 0), 1), (Place::ColumnTotal(0), 0)],
            },
        ];
        let nine = vec![vec![9]];
        let published = suppress_linked(&[
            tables[0].clone(),
            tables[1].clone(),
            Linked { counts: &nine, shared: vec![(Place::ColumnTotal(0), 0)], follows: Vec::new() },
        ]);
        assert_eq!(published[1].cells[0][0], Cell::Count(7));
        assert_eq!(published[1].total, Cell::Count(9));
        assert_eq!((published[1].cells[1][0], published[1].cells[2][0]), (Cell::Withheld, Cell::Withheld));
        assert_eq!(Cell::Withheld.label(), "—");
        // When the courses table hides the total, the follower hides it too.
        let few = vec![vec![2], vec![1]];
        let tables = [
            Linked { counts: &few, shared: vec![(Place::ColumnTotal(0), 0)], follows: Vec::new() },
            Linked { counts: &[vec![3]], shared: Vec::new(), follows: vec![(Place::ColumnTotal(0), 0)] },
        ];
        let published = suppress_linked(&tables);
        assert!(published[0].total.is_hidden() && published[1].total.is_hidden(), "{published:?}");
    }
}
