//! What the console knows of machines, and the export form's fields: data the model holds,
//! importing nothing of the console but its leaves.

use entitle_domain::api::License;
use entitle_domain::api::machines::{Machine, MachineInput, StaleFile};
use entitle_domain::machines::valid_fingerprint;
use uuid::Uuid;

use crate::remote::{Remote, RequestId};

/// The longest fingerprint and host name the form takes (the server's limits).
const FINGERPRINT_MAX: usize = 128;
const HOSTNAME_MAX: usize = 253;

/// What the console knows of machines.
#[derive(Debug, Clone, Default)]
pub struct Machines {
    /// The license whose machines `list` holds: the one whose detail was opened last.
    pub license: Option<Uuid>,
    /// Its machines, newest first.
    pub list: Remote<Vec<Machine>>,
    /// The account's machines whose license file predates their license's validity, for Home.
    pub stale: Remote<Vec<StaleFile>>,
}

impl Machines {
    pub fn is_loading(&self) -> bool {
        self.list.is_loading() || self.stale.is_loading()
    }
}

/// The export form's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportField {
    Fingerprint,
    Hostname,
}

/// Asking for the air-gapped host to activate a license on and write the file of.
#[derive(Debug, Clone)]
pub struct ExportForm {
    pub license: Uuid,
    /// The license's key: the file is named after it.
    pub key: String,
    pub fingerprint: String,
    pub hostname: String,
    pub focus: ExportField,
    /// The activation on its way.
    pub pending: Option<RequestId>,
    /// Why the last try was refused, as the server (or the form) words it.
    pub error: Option<String>,
}

impl ExportForm {
    /// An empty form for `license`.
    pub fn new(license: &License) -> Self {
        ExportForm {
            license: license.id,
            key: license.key.clone(),
            fingerprint: String::new(),
            hostname: String::new(),
            focus: ExportField::Fingerprint,
            pending: None,
            error: None,
        }
    }

    /// Moves the focus to the other field.
    pub fn switch(&mut self) {
        self.focus = match self.focus {
            ExportField::Fingerprint => ExportField::Hostname,
            ExportField::Hostname => ExportField::Fingerprint,
        };
    }

    /// Types `c` into the focused field.
    pub fn type_char(&mut self, c: char) {
        let (field, max) = match self.focus {
            ExportField::Fingerprint => (&mut self.fingerprint, FINGERPRINT_MAX),
            ExportField::Hostname => (&mut self.hostname, HOSTNAME_MAX),
        };
        if !c.is_control() && field.chars().count() < max {
            field.push(c);
        }
    }

    /// Deletes the focused field's last character.
    pub fn erase(&mut self) {
        match self.focus {
            ExportField::Fingerprint => self.fingerprint.pop(),
            ExportField::Hostname => self.hostname.pop(),
        };
    }

    /// The activation the form asks for, or what is still missing.
    pub fn input(&self) -> Result<MachineInput, &'static str> {
        let fingerprint = self.fingerprint.trim();
        let hostname = self.hostname.trim();
        if !valid_fingerprint(fingerprint) {
            return Err("A fingerprint is 32 to 128 letters, digits, - and _: \
                        run `entitle fingerprint` on the host");
        }
        if hostname.is_empty() {
            return Err("Type the host's name");
        }
        Ok(MachineInput {
            fingerprint: fingerprint.to_owned(),
            hostname: hostname.to_owned(),
            platform: None,
        })
    }
}
