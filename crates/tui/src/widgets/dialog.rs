//! The frame every dialog is drawn in, and its key line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::keys::Hint;
use crate::model::Model;

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// A dialog box of `lines`, centred, `width` wide and as high as its lines need.
pub fn dialog(
    model: &Model,
    frame: &mut Frame,
    title: &str,
    lines: Vec<Line<'static>>,
    width: u16,
) {
    // A line longer than the dialog wraps: it takes the rows it needs, so the key line at the
    // bottom is not pushed out (counted by width; a word wrapped early may take one more).
    let inner = usize::from(width.min(frame.area().width).saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|line| line.width().div_ceil(inner).max(1))
        .sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let area = centered(frame.area(), width, height);
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(format!(" {title} "), model.theme.active()));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// A dialog's key line: each key and what it does.
///
/// A key and what it does are joined by no-break spaces, so that a key line too long for its
/// dialog wraps between two keys, never inside one.
pub fn keys(model: &Model, pairs: &[Hint]) -> Line<'static> {
    const NO_BREAK: &str = "\u{a0}";
    let mut spans = Vec::new();
    for (key, what) in pairs {
        spans.push(Span::styled(format!(" {key}"), model.theme.key()));
        spans.push(Span::raw(format!(
            "{NO_BREAK}{} ",
            what.replace(' ', NO_BREAK)
        )));
    }
    Line::from(spans)
}
