//! Drawing the model: a header, the tabs, the current view, a status line, the footer with
//! the keys of what has focus (ending with "? help"), and any dialog on top.

mod hints;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::{Level, Model, Tab};
use crate::widgets::spinner;

/// The tab line: each tab with the key that selects it. When the labels do not all fit
/// `width` (an admin's eleven tabs), the tabs not shown are cut to their first three letters,
/// or to one.
fn tab_labels(model: &Model, width: u16) -> Vec<(Tab, String)> {
    let tabs = Tab::shown(model.admin);
    let label = |tab: Tab, letters: usize| {
        let title: String = if tab == model.tab {
            tab.title().to_owned()
        } else {
            tab.title().chars().take(letters).collect()
        };
        match tab.key() {
            Some(key) => format!(" {key} {title} "),
            None => format!(" {title} "),
        }
    };
    let mut labels = Vec::new();
    for letters in [usize::MAX, 3, 1] {
        labels = tabs.iter().map(|&tab| (tab, label(tab, letters))).collect();
        let needed: usize = labels.iter().map(|(_, l)| l.chars().count() + 1).sum();
        if needed.saturating_sub(1) <= usize::from(width) {
            break;
        }
    }
    labels
}

/// The tab under the screen position, for mouse clicks on the tab line.
pub fn tab_at(model: &Model, x: u16, y: u16) -> Option<Tab> {
    if y != 1 {
        return None;
    }
    let mut start = 0u16;
    for (tab, label) in tab_labels(model, model.width) {
        let width = label.chars().count() as u16;
        if (start..start + width).contains(&x) {
            return Some(tab);
        }
        start += width + 1;
    }
    None
}

/// Draws the whole screen.
pub fn draw(model: &Model, frame: &mut Frame) {
    let [header, tabs, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_header(model, frame, header);
    draw_tabs(model, frame, tabs);
    match model.tab {
        Tab::Operator(view) => crate::operator::draw(model, view, frame, body),
        tab => crate::account::draw(model, tab, frame, body),
    }
    draw_status(model, frame, status);
    draw_footer(model, frame, footer);
    for overlay in &model.overlays {
        crate::dialogs::draw(model, overlay, frame);
    }
}

fn draw_header(model: &Model, frame: &mut Frame, area: Rect) {
    let account = &model.account;
    let busy = if model.busy() {
        spinner(model.tick)
    } else {
        " "
    };
    let mut spans = vec![Span::styled(" Entitle ", model.theme.active())];
    if model.sandbox {
        spans.push(Span::styled(" SANDBOX ", model.theme.selected()));
    }
    // An admin's console may show any account: the header says whose it is.
    let whose = if model.admin { " (operator)" } else { "" };
    spans.extend([
        Span::raw(format!(
            "· {}{whose} · {} · {} · {} ",
            account.name, account.region, account.currency, model.server
        )),
        Span::raw(busy),
    ]);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_tabs(model: &Model, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    for (i, (tab, label)) in tab_labels(model, area.width).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled("│", model.theme.dim()));
        }
        let style = if tab == model.tab {
            model.theme.selected()
        } else {
            Style::new()
        };
        spans.push(Span::styled(label, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_status(model: &Model, frame: &mut Frame, area: Rect) {
    let line = match &model.message {
        Some((text, level)) => {
            let style = match level {
                Level::Error => model.theme.error(),
                Level::Success => model.theme.ok(),
                Level::Info => Style::new(),
            };
            Line::from(Span::styled(format!(" {text}"), style))
        }
        None => match &model.background {
            Some(_) => Line::from(Span::styled(
                format!(
                    " {} waiting for a payment in the background",
                    spinner(model.tick)
                ),
                model.theme.dim(),
            )),
            None => Line::default(),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The footer: the keys of what has focus (a dialog's when one is open, not the view's
/// underneath), then "? help".
fn draw_footer(model: &Model, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    let keys = hints::focused(model);
    // The footer always ends with "? help" (F1 where `?` is typed as text): the keys that do
    // not fit before it are left out (the help lists them all).
    let help = [
        Span::styled(format!(" {}", hints::help_key(model)), model.theme.key()),
        Span::raw(" help"),
    ];
    let room = usize::from(area.width).saturating_sub(help.iter().map(Span::width).sum());
    let mut used = 0;
    for (key, what) in keys {
        let pair = [
            Span::styled(format!(" {key}"), model.theme.key()),
            Span::raw(format!(" {what} ")),
        ];
        let width: usize = pair.iter().map(Span::width).sum();
        if used + width > room {
            break;
        }
        used += width;
        spans.extend(pair);
    }
    spans.extend(help);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
