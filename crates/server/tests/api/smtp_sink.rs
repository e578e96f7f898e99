//! A local SMTP sink: a small server on `127.0.0.1:0`, started inside the test, that speaks
//! enough ESMTP for lettre's client (plain, no STARTTLS, no AUTH), keeps every message it is
//! given in memory, and can refuse the next few `MAIL FROM`s with `451` (a transient failure).

mod mime;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The reverse path of `MAIL FROM:<…>`, without the angle brackets.
    pub from: String,
    /// The forward paths of every `RCPT TO:<…>`, in order.
    pub to: Vec<String>,
    /// The whole message text as received (headers and body, CRLF kept), dot-stuffing undone.
    pub data: String,
}

impl Mail {
    /// A header's value (case-insensitive name), unfolded; the first one.
    pub fn header(&self, name: &str) -> Option<String> {
        mime::header(&self.data, name)
    }

    /// The decoded body of the first MIME part whose Content-Type starts with `content_type`
    /// (`"text/plain"`, `"text/html"`, `"application/pdf"`), looking through nested
    /// `multipart/*`; base64 and quoted-printable are decoded, 7bit/8bit kept as they are.
    /// A message without a Content-Type is `text/plain`.
    pub fn part(&self, content_type: &str) -> Option<Vec<u8>> {
        mime::find_part(&self.data, content_type)
    }

    /// [`Mail::part`] as UTF-8 text (invalid sequences replaced).
    pub fn text(&self, content_type: &str) -> Option<String> {
        self.part(content_type)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The decoded Subject (RFC 2047 encoded-words, B or Q, joined); empty without one.
    pub fn subject(&self) -> String {
        self.header("Subject")
            .map(|value| mime::decode_words(&value))
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct State {
    mails: Vec<Mail>,
    /// How many of the next `MAIL FROM`s to refuse.
    refuse: usize,
    /// How many it has refused.
    refusals: usize,
}

/// A running sink. Clones share it; it runs until the test's runtime ends.
#[derive(Clone)]
pub struct SmtpSink {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the SMTP sink");
        let addr = listener.local_addr().expect("the SMTP sink's address");
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = session(stream, state).await;
                });
            }
        });
        SmtpSink { addr, state }
    }

    /// `smtp://127.0.0.1:{port}`
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Refuses the next `n` MAIL FROM commands with 451.
    pub fn refuse_next(&self, n: usize) {
        self.state().refuse = n;
    }

    /// Every message received so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.state().mails.clone()
    }

    /// How many 451 refusals it has answered.
    pub fn refusals(&self) -> usize {
        self.state().refusals
    }

    /// Waits (polling every 20 ms, at most `timeout`) until at least `n` messages arrived;
    /// returns them (fewer when the time ran out).
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Mail> {
        let deadline = Instant::now() + timeout;
        loop {
            let mails = self.mails();
            if mails.len() >= n || Instant::now() >= deadline {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A line without its CRLF (or bare LF).
fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The address of `<a@b> PARAM=…` (what follows `MAIL FROM:` or `RCPT TO:`).
fn path(arg: &str) -> String {
    let arg = arg.trim_start();
    match arg.strip_prefix('<') {
        Some(rest) => rest.split('>').next().unwrap_or("").to_owned(),
        None => arg.split_whitespace().next().unwrap_or("").to_owned(),
    }
}

/// One SMTP conversation, until QUIT or the client hangs up.
async fn session(stream: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(trim_eol(&line)).into_owned();
        let upper = command.to_ascii_uppercase();
        let verb = upper.split_whitespace().next().unwrap_or("");
        let reply: String = match verb {
            "EHLO" => "250-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760".into(),
            "HELO" => "250 sink".into(),
            "MAIL" if upper.starts_with("MAIL FROM:") => {
                from = None;
                to.clear();
                let mut state = lock(&state);
                if state.refuse > 0 {
                    state.refuse -= 1;
                    state.refusals += 1;
                    "451 4.3.0 try again later".into()
                } else {
                    from = Some(path(&command["MAIL FROM:".len()..]));
                    "250 2.1.0 ok".into()
                }
            }
            "RCPT" if upper.starts_with("RCPT TO:") => {
                if from.is_some() {
                    to.push(path(&command["RCPT TO:".len()..]));
                    "250 2.1.5 ok".into()
                } else {
                    "503 5.5.1 MAIL first".into()
                }
            }
            "DATA" if from.is_none() || to.is_empty() => "503 5.5.1 MAIL and RCPT first".into(),
            "DATA" => {
                write.write_all(b"354 end with .\r\n").await?;
                let mut data = Vec::new();
                loop {
                    line.clear();
                    if read.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    if trim_eol(&line) == b"." {
                        break;
                    }
                    // Dot-stuffing: a line that starts with a dot was sent with one more.
                    data.extend_from_slice(line.strip_prefix(b".").unwrap_or(&line));
                }
                let mail = Mail {
                    from: from.take().unwrap_or_default(),
                    to: std::mem::take(&mut to),
                    data: String::from_utf8_lossy(&data).into_owned(),
                };
                let mut state = lock(&state);
                state.mails.push(mail);
                format!("250 2.0.0 queued as {}", state.mails.len())
            }
            "RSET" => {
                from = None;
                to.clear();
                "250 2.0.0 ok".into()
            }
            "NOOP" => "250 2.0.0 ok".into(),
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                write.shutdown().await?;
                return Ok(());
            }
            _ => "502 5.5.2 not implemented".into(),
        };
        write.write_all(format!("{reply}\r\n").as_bytes()).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

    /// A raw SMTP client.
    struct Talk {
        read: BufReader<OwnedReadHalf>,
        write: OwnedWriteHalf,
    }

    impl Talk {
        async fn open(sink: &SmtpSink) -> (Talk, String) {
            let addr = sink.url().trim_start_matches("smtp://").to_owned();
            let (read, write) = TcpStream::connect(addr)
                .await
                .expect("connect")
                .into_split();
            let mut talk = Talk {
                read: BufReader::new(read),
                write,
            };
            let greeting = talk.reply().await;
            (talk, greeting)
        }

        /// One reply, all its lines (CRLF kept).
        async fn reply(&mut self) -> String {
            let mut all = String::new();
            loop {
                let mut line = String::new();
                self.read.read_line(&mut line).await.expect("read a reply");
                assert!(
                    line.ends_with("\r\n"),
                    "reply line {line:?} (after {all:?})"
                );
                all.push_str(&line);
                if line.as_bytes().get(3) != Some(&b'-') {
                    return all;
                }
            }
        }

        async fn say(&mut self, text: &str) -> String {
            self.write.write_all(text.as_bytes()).await.expect("write");
            self.reply().await
        }

        /// Says `command` (CRLF added) and checks that the reply is a 250.
        async fn ok(&mut self, command: &str) {
            let reply = self.say(&format!("{command}\r\n")).await;
            assert!(reply.starts_with("250 "), "{command:?} got {reply:?}");
        }
    }

    const MULTIPART: &str = "From: Shop <shop@example.com>\r\n\
        To: buyer@example.com\r\n\
        Subject: =?utf-8?b?SWhyZSBSZWNobnVuZyA=?=\r\n =?UTF-8?Q?f=C3=BCr_M=C3=A4rz?=\r\n\
        MIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed;\r\n boundary=\"outer\"\r\n\
        \r\n\
        preamble\r\n\
        --outer\r\n\
        Content-Type: multipart/alternative; boundary=inner\r\n\
        \r\n\
        --inner\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\
        Content-Transfer-Encoding: quoted-printable\r\n\
        \r\n\
        Gr=C3=BC=C3=9Fe, 100 =E2=82=AC =3D ok, soft=\r\n\
        \x20broken\r\n\
        ..dotted\r\n\
        --inner\r\n\
        Content-Type: text/html; charset=utf-8\r\n\
        Content-Transfer-Encoding: 7bit\r\n\
        \r\n\
        <p>Hi</p>\r\n\
        --inner--\r\n\
        --outer\r\n\
        Content-Type: application/pdf; name=\"invoice.pdf\"\r\n\
        Content-Transfer-Encoding: base64\r\n\
        \r\n\
        JVBERi0xLjQKJeLjz9MKMSAwIG9iago8PCAvVHlw\r\n\
        ZSAvQ2F0YWxvZyA+PgplbmRvYmoKJSVFT0YK\r\n\
        --outer--\r\n\
        .\r\n";

    #[tokio::test]
    async fn receives_messages() {
        let sink = SmtpSink::start().await;
        let (mut talk, greeting) = Talk::open(&sink).await;
        assert_eq!(greeting, "220 sink ESMTP\r\n");
        let ehlo = talk.say("EHLO client.test\r\n").await;
        assert_eq!(
            ehlo,
            "250-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n"
        );
        talk.ok("MAIL FROM:<shop@example.com> BODY=8BITMIME SMTPUTF8")
            .await;
        talk.ok("RCPT TO:<a@example.com>").await;
        talk.ok("RCPT TO:<b@example.com>").await;
        assert!(talk.say("DATA\r\n").await.starts_with("354 "));
        let plain = "Subject: plain\r\n\r\nline\r\n..hidden\r\n.\r\n";
        assert_eq!(talk.say(plain).await, "250 2.0.0 queued as 1\r\n");
        talk.ok("NOOP").await;
        assert!(talk.say("VRFY x\r\n").await.starts_with("502 5.5.2"));
        talk.ok("MAIL FROM:<shop@example.com>").await;
        talk.ok("RCPT TO:<buyer@example.com>").await;
        assert!(talk.say("DATA\r\n").await.starts_with("354 "));
        assert_eq!(talk.say(MULTIPART).await, "250 2.0.0 queued as 2\r\n");
        assert_eq!(talk.say("QUIT\r\n").await, "221 bye\r\n");

        let mails = sink.wait_for(2, Duration::from_secs(5)).await;
        assert_eq!(mails.len(), 2);
        let (first, second) = (&mails[0], &mails[1]);
        assert_eq!(first.from, "shop@example.com");
        assert_eq!(first.to, ["a@example.com", "b@example.com"]);
        assert_eq!(first.data, "Subject: plain\r\n\r\nline\r\n.hidden\r\n");
        assert_eq!(first.subject(), "plain");
        assert_eq!(
            first.text("text/plain").as_deref(),
            Some("line\r\n.hidden\r\n")
        );
        assert_eq!(first.part("text/html"), None);

        assert_eq!(second.to, ["buyer@example.com"]);
        assert_eq!(second.subject(), "Ihre Rechnung für März");
        assert_eq!(second.header("to").as_deref(), Some("buyer@example.com"));
        assert_eq!(
            second.header("CONTENT-TYPE").as_deref(),
            Some("multipart/mixed; boundary=\"outer\"")
        );
        assert_eq!(
            second.text("text/plain").as_deref(),
            Some("Grüße, 100 € = ok, soft broken\r\n.dotted")
        );
        assert_eq!(second.text("text/html").as_deref(), Some("<p>Hi</p>"));
        let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n";
        assert_eq!(second.part("application/pdf").as_deref(), Some(&pdf[..]));
        assert_eq!(sink.refusals(), 0);
    }

    #[tokio::test]
    async fn refuses_then_accepts() {
        let sink = SmtpSink::start().await;
        sink.refuse_next(1);
        let (mut talk, _) = Talk::open(&sink).await;
        talk.ok("HELO client.test").await;
        let mail_from = "MAIL FROM:<shop@example.com>\r\n";
        assert_eq!(talk.say(mail_from).await, "451 4.3.0 try again later\r\n");
        assert_eq!(sink.refusals(), 1);
        talk.ok("RSET").await;
        talk.ok("MAIL FROM:<shop@example.com>").await;
        talk.ok("RCPT TO:<buyer@example.com>").await;
        assert!(talk.say("DATA\r\n").await.starts_with("354 "));
        let message = "Subject: again\r\n\r\nbody\r\n.\r\n";
        assert_eq!(talk.say(message).await, "250 2.0.0 queued as 1\r\n");
        // A second connection at the same time as the first.
        let (mut other, _) = Talk::open(&sink).await;
        other.ok("NOOP").await;
        assert_eq!(other.say("QUIT\r\n").await, "221 bye\r\n");
        assert_eq!(talk.say("QUIT\r\n").await, "221 bye\r\n");
        let mails = sink.wait_for(1, Duration::from_secs(5)).await;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].subject(), "again");
        assert_eq!(sink.refusals(), 1);
        assert!(sink.wait_for(2, Duration::from_millis(100)).await.len() == 1);
    }
}
