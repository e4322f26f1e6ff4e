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
}

impl Cell {
    /// As printed in a table or a CSV cell.
    pub fn label(self) -> String {
        match self {
            Cell::Count(n) => n.to_string(),
            Cell::Small => "<5".into(),
            Cell::Complementary => "x".into(),
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

/// Publishes `counts` (`counts[row][column]`, every row as long) with its row, column and grand
/// totals under the small-cell rule. A table with one column is a list with its total.
pub fn suppress(counts: &[Vec<u64>]) -> Published {
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
    let mut grid = Grid { values, hidden };
    // A one-row or one-column table's lines of length 2 (a cell and its total) are the same
    // figure twice; they need no second hidden figure when both are hidden.
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
            let visible = |&&(r, c): &&(usize, usize)| grid.hidden[r][c].is_none();
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
    let cell = |r: usize, c: usize| grid.hidden[r][c].unwrap_or(Cell::Count(grid.values[r][c]));
    let rows = counts.len();
    Published {
        cells: (0..rows).map(|r| (0..columns).map(|c| cell(r, c)).collect()).collect(),
        row_totals: (0..rows).map(|r| cell(r, columns)).collect(),
        column_totals: (0..columns).map(|c| cell(rows, c)).collect(),
        total: cell(rows, columns),
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

    fn assert_protected(counts: &[Vec<u64>]) -> Published {
        let published = suppress(counts);
        let known = attack(&published);
        for (r, row) in counts.iter().enumerate() {
            for (c, &value) in row.iter().enumerate() {
                if (1..MIN_COMPANIES).contains(&value) {
                    assert_eq!(published.cells[r][c], Cell::Small, "{counts:?}: cell {r},{c}");
                    assert_eq!(known[r][c], None, "{counts:?}: cell {r},{c} ({value}) recovered from the totals");
                } else {
                    assert_ne!(published.cells[r][c], Cell::Small);
                }
            }
        }
        // What is shown is true.
        for (r, row) in counts.iter().enumerate() {
            for (c, &value) in row.iter().enumerate() {
                if let Cell::Count(n) = published.cells[r][c] {
                    assert_eq!(n, value);
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
    }
}
