//! The operator views (issue 23) without a terminal: keys make the right requests, answers
//! fill the views, an account key never sees them, and every view is locked with insta at
//! 80×24 and 160×48.

#[path = "operator/fixtures.rs"]
mod fixtures;

use chrono::Duration;
use crossterm::event::KeyCode;
use entitle_domain::api::{AccountInput, AccountOverviewPage, CreatedApiKey, JobRun};
use entitle_domain::jobs::Job;
use entitle_domain::{AccountKind, Region};
use entitle_tui::dialogs::command::commands;
use entitle_tui::model::{Action, Command, Level, Model, Msg, Overlay, Reply, Request, Tab};
use entitle_tui::operator::{Answer, Ask, AuditFilter, Confirmed, View};
use entitle_tui::theme::Theme;
use entitle_tui::update::{start, update};
use ratatui::style::Color;

use fixtures::*;

/// The footer: the screen's last line (wide enough for every key).
fn footer(model: &mut Model) -> String {
    let text = screen(model, 160, 24);
    text.lines().last().unwrap_or_default().trim().to_owned()
}

/// Locks the screen at 80×24 and at 160×48.
fn snapshots(name: &str, model: &mut Model) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(model, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x48"), screen(model, 160, 48));
}

fn answered(model: &mut Model, id: u64, answer: Answer) -> Vec<Command> {
    update(model, Msg::Reply(id, Ok(Reply::Operator(answer))))
}

#[test]
fn an_account_key_has_no_operator_views() {
    let mut model = console(false);
    assert!(
        asks(&start(&mut model)).is_empty(),
        "nothing of theirs is asked for"
    );
    let text = screen(&mut model, 160, 48);
    let tabs = text.lines().nth(1).unwrap_or_default();
    for view in ["Accounts", "Queue", "Webhooks", "Jobs", "Audit"] {
        assert!(!tabs.contains(view), "{tabs}");
    }
    assert!(
        !text.contains("(operator)") && !text.contains("7-0"),
        "{text}"
    );
    press(&mut model, "7890");
    key(&mut model, KeyCode::Backspace);
    assert_eq!(model.tab, Tab::Home);
    for _ in 0..Tab::ALL.len() {
        key(&mut model, KeyCode::Tab);
        assert!(!matches!(model.tab, Tab::Operator(_)));
    }
    press(&mut model, ":accounts");
    assert!(key(&mut model, KeyCode::Enter).is_empty());
    assert!(!matches!(model.tab, Tab::Operator(_)));
    assert!(matches!(&model.message, Some((text, Level::Error)) if text.contains("admin key")));
    assert!(!commands(false).contains(&"accounts"));
}

#[test]
fn an_admin_console_loads_the_operator_views_and_shows_them_as_tabs() {
    let mut fresh = Model::new(acme(), "http://x", Theme { color: false }, now());
    fresh.admin = true;
    let asked = asks(&start(&mut fresh));
    for wanted in [
        Ask::InvoiceQueue,
        Ask::WebhookEndpoints,
        Ask::WebhookDeliveries,
        Ask::Jobs,
    ] {
        assert!(asked.contains(&wanted), "{wanted:?} in {asked:?}");
    }
    assert!(asked.iter().any(|a| matches!(
        a,
        Ask::Accounts {
            q: None,
            cursor: None
        }
    )));
    assert!(
        asked
            .iter()
            .any(|a| matches!(a, Ask::Audit { cursor: None, .. }))
    );

    let mut model = console(true);
    let text = screen(&mut model, 160, 48);
    assert!(
        text.lines()
            .next()
            .unwrap_or_default()
            .contains("Acme Shanghai (operator)")
    );
    let tabs = text.lines().nth(1).unwrap_or_default();
    for label in ["7 Accounts", "8 Queue", "9 Webhooks", "0 Jobs", " Audit "] {
        assert!(tabs.contains(label), "{tabs}");
    }
    for (digit, view) in [
        ('7', View::Accounts),
        ('8', View::Queue),
        ('9', View::Webhooks),
        ('0', View::Jobs),
    ] {
        press(&mut model, &digit.to_string());
        assert_eq!(model.tab, Tab::Operator(view));
    }
    key(&mut model, KeyCode::Tab);
    assert_eq!(model.tab, Tab::Operator(View::Audit));
    key(&mut model, KeyCode::Tab);
    assert_eq!(model.tab, Tab::Home, "round the tabs");
    press(&mut model, ":audit");
    key(&mut model, KeyCode::Enter);
    assert_eq!(model.tab, Tab::Operator(View::Audit));
    assert!(commands(true).contains(&"queue"));
}

#[test]
fn the_accounts_search_is_sent_as_typed_and_a_stale_answer_dropped() {
    let mut model = console(true);
    press(&mut model, "7/");
    assert!(footer(&mut model).contains("type filter"));
    let sent: Vec<(u64, Ask)> = "Ber"
        .chars()
        .flat_map(|c| key(&mut model, KeyCode::Char(c)))
        .filter_map(|c| match c {
            Command::Fetch(id, Request::Operator(ask)) => Some((id, ask)),
            _ => None,
        })
        .collect();
    let qs: Vec<Option<String>> = sent
        .iter()
        .map(|(_, ask)| match ask {
            Ask::Accounts { q, cursor: None } => q.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        qs,
        [Some("B".into()), Some("Be".into()), Some("Ber".into())]
    );
    let berlin_only = AccountOverviewPage {
        items: vec![overviews().items[1].clone()],
        next_cursor: None.into(),
    };
    answered(&mut model, sent[2].0, Answer::Accounts(berlin_only));
    answered(&mut model, sent[0].0, Answer::Accounts(overviews()));
    let rows = &model.operator.accounts.list.rows;
    assert_eq!(rows.len(), 1, "the answer to a replaced search is dropped");
    assert_eq!(rows[0].account.name, "Demo Berlin");
    key(&mut model, KeyCode::Enter);
    assert!(
        !model.operator.accounts.filter.typing,
        "Enter keeps the search"
    );
    snapshots("accounts_searched", &mut model);
    // The help reads the same table as the footer and the handler.
    press(&mut model, "?");
    let help = screen(&mut model, 100, 40);
    assert!(
        help.contains("Accounts view") && help.contains("new account"),
        "{help}"
    );
}

#[test]
fn enter_switches_the_console_to_the_account_and_backspace_goes_back() {
    let mut model = console(true);
    press(&mut model, "7j");
    let commands = key(&mut model, KeyCode::Enter);
    assert_eq!(model.account.name, "Demo Berlin");
    assert_eq!(model.tab, Tab::Home);
    assert!(
        model.summary.data.is_none() && model.licenses.list.rows.is_empty(),
        "nothing of Acme's is shown under Berlin's name"
    );
    for wanted in [
        Request::Summary,
        Request::Licenses { cursor: None },
        Request::Subscriptions,
        Request::Orders,
        Request::Invoices { cursor: None },
        Request::StaleFiles,
    ] {
        assert!(
            commands
                .iter()
                .any(|c| matches!(c, Command::Fetch(_, r) if *r == wanted)),
            "{wanted:?} asked for again"
        );
    }
    assert!(
        asks(&commands).is_empty(),
        "the operator views stay as they are"
    );
    answer(&mut model, commands);
    assert!(
        model
            .summary
            .data
            .as_ref()
            .is_some_and(|s| s.account.id == berlin().id)
    );
    let text = screen(&mut model, 100, 24);
    let header = text.lines().next().unwrap_or_default();
    assert!(header.contains("Demo Berlin (operator)"), "{header}");
    assert!(footer(&mut model).contains("⌫ accounts"));
    key(&mut model, KeyCode::Backspace);
    assert_eq!(model.tab, Tab::Operator(View::Accounts));
    assert_eq!(model.account.name, "Demo Berlin", "until another is chosen");
    press(&mut model, "k");
    let again = key(&mut model, KeyCode::Enter);
    assert_eq!(model.account.name, "Acme Shanghai");
    assert!(
        again
            .iter()
            .any(|c| matches!(c, Command::Fetch(_, Request::Summary)))
    );
}

#[test]
fn n_creates_an_account_and_offers_its_first_key_shown_once() {
    let mut model = console(true);
    press(&mut model, "7n");
    assert!(matches!(model.overlays.last(), Some(Overlay::Operator(_))));
    for _ in 0..3 {
        key(&mut model, KeyCode::Enter);
    }
    assert!(
        key(&mut model, KeyCode::Enter).is_empty(),
        "no name, no account"
    );
    key(&mut model, KeyCode::Tab);
    press(&mut model, "Nordwind?");
    key(&mut model, KeyCode::Backspace);
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Right);
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Right);
    key(&mut model, KeyCode::Enter);
    snapshots("new_account_form", &mut model);
    let commands = key(&mut model, KeyCode::Enter);
    let input = AccountInput {
        name: "Nordwind".to_owned(),
        kind: AccountKind::Enterprise,
        region: Region::Intl,
        email: None,
        language: None,
    };
    assert_eq!(asks(&commands), [Ask::CreateAccount(input)]);

    let created = account(4, "Nordwind", AccountKind::Enterprise, Region::Intl);
    let reload = answered(
        &mut model,
        request_id(&commands, |_| true),
        Answer::AccountCreated(created.clone()),
    );
    assert!(matches!(
        asks(&reload).as_slice(),
        [Ask::Accounts { cursor: None, .. }]
    ));
    let offer = Action::Operator(Confirmed::CreateApiKey(created.id));
    assert!(matches!(model.overlays.as_slice(), [Overlay::Confirm(c)] if c.action == offer));
    let created_key = CreatedApiKey {
        id: id(1300),
        name: "console".to_owned(),
        prefix: "ent_4f2a".to_owned(),
        key: "ent_4f2a_SECRET_shown_once".to_owned(),
        created_at: now(),
        account_id: Some(created.id).into(),
    };
    let commands = press(&mut model, "y");
    assert_eq!(asks(&commands), [Ask::CreateApiKey(created.id)]);
    answered(
        &mut model,
        request_id(&commands, |_| true),
        Answer::ApiKey(created_key),
    );
    let text = screen(&mut model, 100, 24);
    assert!(text.contains("ent_4f2a_SECRET_shown_once") && text.contains("Nordwind"));
    assert!(
        !format!("{model:?}").contains("SECRET"),
        "never the secret in a log line"
    );
    snapshots("api_key_shown_once", &mut model);
    assert_eq!(
        press(&mut model, "c"),
        [Command::Copy("ent_4f2a_SECRET_shown_once".to_owned())]
    );
    key(&mut model, KeyCode::Esc);
    assert!(model.overlays.is_empty());
}

#[test]
fn b_runs_the_invoice_batch_only_once_confirmed() {
    let mut model = console(true);
    press(&mut model, "8");
    assert!(press(&mut model, "b").is_empty());
    assert!(matches!(model.overlays.last(),
        Some(Overlay::Confirm(c)) if c.title.contains("batch") && c.lines[1].starts_with("Live")));
    snapshots("invoice_batch_confirmation", &mut model);
    assert!(
        key(&mut model, KeyCode::Enter).is_empty(),
        "a bare Enter cancels"
    );
    assert!(model.overlays.is_empty());
    press(&mut model, "b");
    assert!(
        press(&mut model, "b").is_empty(),
        "the key that opened it does not confirm"
    );
    let commands = press(&mut model, "y");
    assert_eq!(asks(&commands), [Ask::RunJob("invoices".to_owned())]);
    assert!(screen(&mut model, 160, 48).contains("issuing"));
    let run = JobRun {
        job: Job::Invoices,
        processed: 1,
        detail: "1 invoices issued".to_owned(),
    };
    let reloads = answered(
        &mut model,
        request_id(&commands, |_| true),
        Answer::JobRun(run),
    );
    assert!(
        matches!(&model.message, Some((text, Level::Success)) if text.contains("1 invoices issued"))
    );
    let reloads = asks(&reloads);
    assert!(reloads.contains(&Ask::InvoiceQueue) && reloads.contains(&Ask::Jobs));
    model.sandbox = true;
    press(&mut model, "b");
    assert!(matches!(model.overlays.last(),
        Some(Overlay::Confirm(c)) if c.lines[1].starts_with("Test mode")));
}

#[test]
fn a_job_runs_now_once_confirmed_and_a_failure_is_said() {
    let mut model = console(true);
    press(&mut model, "0j");
    assert!(key(&mut model, KeyCode::Enter).is_empty());
    assert!(matches!(model.overlays.last(),
        Some(Overlay::Confirm(c)) if c.title == "Run webhooks now?"));
    key(&mut model, KeyCode::Esc);
    assert!(model.overlays.is_empty());
    press(&mut model, "r");
    let commands = press(&mut model, "y");
    assert_eq!(asks(&commands), [Ask::RunJob("webhooks".to_owned())]);
    let run = request_id(&commands, |_| true);
    update(
        &mut model,
        Msg::Reply(run, Err("the server is busy".to_owned())),
    );
    assert!(matches!(&model.message,
        Some((text, Level::Error)) if text == "webhooks failed: the server is busy"));
    assert!(model.operator.running.is_none());
}

#[test]
fn the_audit_filter_reads_account_actor_and_action_as_typed() {
    let mut model = console(true);
    press(&mut model, ":audit");
    key(&mut model, KeyCode::Enter);
    press(&mut model, "/");
    let commands = press(&mut model, "actor:admin");
    let admin = AuditFilter {
        actor: Some("admin".to_owned()),
        ..AuditFilter::default()
    };
    let last = asks(&commands).pop();
    assert_eq!(
        last,
        Some(Ask::Audit {
            filter: admin,
            cursor: None
        })
    );
    press(&mut model, " account:1");
    assert!(press(&mut model, "2").is_empty(), "half an id is not sent");
    assert!(screen(&mut model, 160, 48).contains("not a whole account id"));
    let cleared = key(&mut model, KeyCode::Esc);
    assert_eq!(
        asks(&cleared),
        [Ask::Audit {
            filter: AuditFilter::default(),
            cursor: None
        }]
    );
    press(&mut model, "/");
    let commands = press(&mut model, &format!("account:{}", berlin().id));
    assert!(matches!(asks(&commands).last(),
        Some(Ask::Audit { filter, .. }) if filter.account_id == Some(berlin().id)));
}

#[test]
fn a_failing_endpoint_stands_out() {
    let mut model = console(true);
    model.theme = Theme { color: true };
    press(&mut model, "9");
    let drawn = buffer(&mut model, 100, 24);
    let find = |needle: &str, also: &str| {
        (0..24u16)
            .find_map(|y| {
                let text = row(&drawn, y);
                let at = text.find(needle).filter(|_| text.contains(also))?;
                Some((text[..at].chars().count() as u16, y))
            })
            .expect("the endpoint's row")
    };
    let failing = find(FAILING_URL, "2 failing");
    assert_eq!(drawn[failing].fg, Color::Red);
    let fine = find("https://erp.acme.example/webhooks", " ok");
    assert_ne!(drawn[fine].fg, Color::Red);
}

#[test]
fn a_failed_load_says_why_keeps_the_last_data_and_retries() {
    let mut model = console(true);
    press(&mut model, "8");
    let commands = press(&mut model, "r");
    let queue = request_id(&commands, |r| {
        matches!(r, Request::Operator(Ask::InvoiceQueue))
    });
    let refused = "cannot reach the server at http://127.0.0.1:8080".to_owned();
    update(&mut model, Msg::Reply(queue, Err(refused)));
    let text = screen(&mut model, 160, 48);
    assert!(
        text.contains("cannot reach the server") && text.contains("retrying in 5s"),
        "{text}"
    );
    assert!(
        model.operator.queue.data.data.is_some(),
        "the last data is kept"
    );
    let later = update(&mut model, Msg::Tick(now() + Duration::seconds(6)));
    assert!(asks(&later).contains(&Ask::InvoiceQueue), "it retries");
}

#[test]
fn every_operator_view_at_80x24_and_160x48() {
    let mut model = console(true);
    for (digit, name) in [
        ('7', "accounts"),
        ('8', "invoice_queue"),
        ('9', "webhooks"),
        ('0', "jobs"),
    ] {
        press(&mut model, &digit.to_string());
        snapshots(name, &mut model);
    }
    press(&mut model, ":audit");
    key(&mut model, KeyCode::Enter);
    snapshots("audit", &mut model);
}
