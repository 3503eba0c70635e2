//! Printing results as text for people or JSON for scripts.

use serde::Serialize;

/// Writes one line of text output. Much of it is someone else's text (catalog titles and
/// descriptions, server output), so escape sequences and invisible characters are shown, not
/// passed to the terminal.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::output::line(&format!($($arg)*))
    };
}

/// The same for error output.
macro_rules! esay {
    ($($arg:tt)*) => {
        eprintln!("{}", berth_api::text::visible_lines(&format!($($arg)*)))
    };
}

pub fn line(text: &str) {
    println!("{}", berth_api::text::visible_lines(text));
}

use berth_api::{
    ApiError, AppInfo, CallView, CatalogHit, CatalogItemView, CatalogOverview, CheckStatus, DoctorReport,
    ItemKind, Launch, RefreshOutcome, SecretInfo, SecretStatus, ServerView, SessionView, SettingsView,
    SourceHealth,
};

pub struct Output {
    pub json: bool,
    /// The language of messages: the locale setting, once Berth is open.
    pub locale: std::sync::OnceLock<berth_api::Locale>,
}

impl Output {
    pub fn print_json<T: Serialize>(&self, value: &T) {
        // JSON escapes control characters itself.
        println!("{}", serde_json::to_string_pretty(value).expect("DTOs serialise"));
    }

    pub fn error(&self, e: &ApiError) {
        if self.json {
            self.print_json(e);
        } else {
            let locale = self.locale.get().copied().unwrap_or(berth_api::Locale::En);
            esay!("error: {}", e.text(locale));
            if let Some(d) = &e.detail {
                esay!("  detail: {d}");
            }
        }
    }

    /// A message in the locale setting's language.
    pub fn said(&self, m: berth_api::messages::Msg) -> String {
        m.text(self.locale.get().copied().unwrap_or(berth_api::Locale::En))
    }

    pub fn done<T: Serialize>(&self, value: &T, text: &str) {
        if self.json { self.print_json(value) } else { say!("{text}") }
    }

    pub fn doctor(&self, r: &DoctorReport) {
        if self.json {
            return self.print_json(r);
        }
        for c in &r.checks {
            let mark = match c.status {
                CheckStatus::Ok => "ok  ",
                CheckStatus::Fail => "FAIL",
            };
            let locale = self.locale.get().copied().unwrap_or(berth_api::Locale::En);
            let summary = match &c.summary_key {
                Some(key) => berth_api::messages::render(locale, key, &c.summary_params),
                None => c.summary.clone(),
            };
            say!("[{mark}] {:<9} {summary}", c.id);
            if let Some(fix) = &c.fix {
                let fix =
                    berth_api::messages::render_message(locale, c.fix_key.as_deref(), &c.fix_params, fix);
                say!("       {}: {fix}", self.said(berth_api::msg!("cli.doctor.fix")));
            }
        }
        say!(
            "{}",
            self.said(if r.ok {
                berth_api::msg!("cli.doctor.ok")
            } else {
                berth_api::msg!("cli.doctor.failed")
            })
        );
    }

    pub fn info(&self, i: &AppInfo) {
        if self.json {
            return self.print_json(i);
        }
        say!("berth {}", i.version);
        say!("data dir:  {}", i.data_dir);
        say!("database:  {} (schema {})", i.database, i.schema_version);
        say!("logs:      {}", i.log_dir);
    }

    pub fn secrets(&self, list: &[SecretInfo]) {
        if self.json {
            return self.print_json(&list);
        }
        if list.is_empty() {
            say!("{}", self.said(berth_api::msg!("cli.secrets.empty")));
        }
        for s in list {
            say!("{}", s.key);
        }
    }

    pub fn settings(&self, s: &SettingsView) {
        if self.json {
            return self.print_json(s);
        }
        let pref = serde_json::to_value(s.locale).unwrap();
        let eff = serde_json::to_value(s.effective_locale).unwrap();
        say!("locale: {} (in effect: {})", pref.as_str().unwrap_or("?"), eff.as_str().unwrap_or("?"));
        say!("restore-on-start: {}", if s.restore_on_start { "on" } else { "off" });
    }

    pub fn catalog_hits(&self, hits: &[CatalogHit]) {
        if self.json {
            return self.print_json(&hits);
        }
        if hits.is_empty() {
            say!("{}", self.said(berth_api::msg!("cli.catalog.no_match")));
        }
        for h in hits {
            let kind = kind_label(h.kind, h.runnable);
            let secrets = secrets_line(&h.secrets);
            say!("{:<32} {:<9} {}", h.name, kind, one_line(&h.description, 70));
            if !secrets.is_empty() {
                say!("{:<32} {:<9} secrets: {secrets}", "", "");
            }
        }
    }

    pub fn catalog_item(&self, v: &CatalogItemView) {
        if self.json {
            return self.print_json(v);
        }
        let i = &v.item;
        say!("{} ({})", v.title, i.name);
        say!("{}", v.description);
        say!("kind:     {}", kind_label(i.kind(), i.runnable()));
        match &i.launch {
            Launch::Container(c) => say!("image:    {}", c.image),
            Launch::Remote(r) => say!("endpoint: {} ({:?})", r.url, r.transport),
            Launch::Package(p) => {
                for p in &p.packages {
                    say!("package:  {} {} (not runnable in a container yet)", p.registry_type, p.identifier);
                }
            }
        }
        say!("source:   {}", i.source);
        if i.needs_oauth() {
            say!("sign-in:  OAuth");
        }
        for s in &v.secrets {
            let state = if s.set {
                "set"
            } else if s.required {
                "NOT SET (required)"
            } else {
                "not set"
            };
            say!("secret:   {} → ${} — {state}", s.name, s.env);
        }
        if let Some(schema) = &i.config_schema {
            say!("config:   {}", serde_json::to_string(schema).unwrap_or_default());
        }
        for t in &i.tools {
            say!("tool:     {} — {}", t.name, t.description.as_deref().unwrap_or(""));
        }
    }

    pub fn catalog_overview(&self, o: &CatalogOverview) {
        if self.json {
            return self.print_json(o);
        }
        for s in &o.sources {
            let health = match s.health {
                SourceHealth::Ok => "ok".to_owned(),
                SourceHealth::Stale => format!("stale ({} old)", age(s.age_ms)),
                SourceHealth::Failed => "failed".to_owned(),
            };
            say!(
                "{:<24} {:<6} {:>5} servers  {:<16} {}",
                s.id,
                format!("{:?}", s.kind).to_lowercase(),
                s.item_count,
                health,
                s.location
            );
            if let Some(e) = &s.last_error {
                let locale = self.locale.get().copied().unwrap_or(berth_api::Locale::En);
                let e = berth_api::messages::render_message(
                    locale,
                    s.last_error_key.as_deref(),
                    &s.last_error_params,
                    e,
                );
                say!("{:<24} {}", "", self.said(berth_api::msg!("cli.source.last_error", error = e)));
            }
        }
        let total = berth_api::msg!("cli.catalog.total", count = o.total_items, skipped = o.rejected.len());
        say!("{}", self.said(total));
    }

    pub fn servers(&self, list: &[ServerView]) {
        if self.json {
            return self.print_json(&list);
        }
        if list.is_empty() {
            say!("{}", self.said(berth_api::msg!("cli.servers.empty")));
        }
        for s in list {
            let status = serde_json::to_value(s.status).unwrap();
            let (kind, what) = match s.kind {
                berth_api::ItemKind::Remote => ("remote", s.endpoint.as_deref().unwrap_or("")),
                _ => ("container", s.image.as_str()),
            };
            say!("{:<28} {:<9} {:<10} {}", s.name, kind, status.as_str().unwrap_or("?"), what);
            if let Some(r) = self.reason(s) {
                say!("{:<28} {}", "", r);
            }
        }
    }

    /// A server's sign-in, without its tokens.
    pub fn oauth_status(&self, s: &berth_api::OAuthStatus) {
        if self.json {
            return self.print_json(s);
        }
        let state = serde_json::to_value(s.state).unwrap_or_default();
        say!("{}: {}", s.server, state.as_str().unwrap_or("?"));
        if let Some(at) = s.expires_at_ms {
            say!("expires:  {at} (Unix ms){}", if s.refreshable { ", refreshed automatically" } else { "" });
        }
        if !s.scopes.is_empty() {
            say!("scopes:   {}", s.scopes.join(" "));
        }
        if let Some(issuer) = &s.authorization_server {
            say!("issuer:   {issuer}");
        }
    }

    /// Whether images are verified, and the trust rules.
    pub fn trust_policy(&self, p: &berth_api::TrustPolicyView) {
        if self.json {
            return self.print_json(p);
        }
        say!("verify signatures: {}", if p.verify_signatures { "on" } else { "off" });
        for rule in &p.rules {
            say!("{}", rule.pattern);
            for key in &rule.keys {
                say!("  key:        {key}");
            }
            let beside = if rule.referrers { "OCI referrers (Sigstore bundles)" } else { "beside the image" };
            say!("  signatures: {}", rule.signatures_repo.as_deref().unwrap_or(beside));
            if rule.rekor {
                say!("  rekor:      checked{}", if rule.require_rekor { ", required" } else { "" });
            }
        }
    }

    /// An image whose signature verified.
    pub fn verified(&self, v: &berth_api::VerifiedImage) {
        if self.json {
            return self.print_json(v);
        }
        say!("verified: {}", v.pinned);
        say!("rule:     {}{}", v.rule, if v.rekor { " (Rekor bundle checked)" } else { "" });
    }

    /// An image that did not verify: its error code, then why and what to do.
    pub fn refused(&self, e: &ApiError) {
        if self.json {
            return self.print_json(e);
        }
        let code = serde_json::to_value(e.code).unwrap_or_default();
        say!("refused: {}", code.as_str().unwrap_or("?"));
        let locale = self.locale.get().copied().unwrap_or(berth_api::Locale::En);
        say!("{}", e.text(locale));
    }

    /// How a connection test went.
    pub fn remote_test(&self, r: &berth_api::RemoteTestReport) {
        if self.json {
            return self.print_json(r);
        }
        let locale = self.locale.get().copied().unwrap_or(berth_api::Locale::En);
        match (&r.state, &r.error) {
            (berth_api::RemoteState::Connected, _) => {
                let transport = serde_json::to_value(r.transport).unwrap_or_default();
                let m = berth_api::msg!(
                    "servers.test.connected",
                    ms = r.latency_ms.unwrap_or(0),
                    protocol = r.protocol_version.as_deref().unwrap_or("?"),
                    transport = transport.as_str().unwrap_or("?"),
                    tools = r.tools.unwrap_or(0)
                );
                say!("{}", self.said(m));
                if let Some(call) = &r.call {
                    say!("{}", call.text);
                }
            }
            (_, Some(e)) => say!("{}", e.text(locale)),
            (_, None) => {}
        }
    }

    /// Why a server is in its state, in the user's language.
    fn reason(&self, s: &ServerView) -> Option<String> {
        let locale = self.locale.get().copied().unwrap_or(berth_api::Locale::En);
        let r = s.status_reason.as_deref()?;
        Some(berth_api::messages::render_message(locale, s.reason_key.as_deref(), &s.reason_params, r))
    }

    pub fn server(&self, s: &ServerView) {
        if self.json {
            return self.print_json(s);
        }
        let status = serde_json::to_value(s.status).unwrap();
        say!("{} ({})", s.title, s.name);
        say!(
            "status:   {}{}",
            status.as_str().unwrap_or("?"),
            self.reason(s).map(|r| format!(" — {r}")).unwrap_or_default()
        );
        say!("image:    {}", s.image);
        say!(
            "limits:   {} CPU, {} MiB, mounts {}",
            s.settings.cpus,
            s.settings.memory_mb,
            if s.settings.allow_writable_mounts { "writable where asked" } else { "read-only" }
        );
        for sec in &s.secrets {
            say!("secret:   {} → ${} — {}", sec.name, sec.env, if sec.set { "set" } else { "NOT SET" });
        }
        if !s.config.is_null() {
            say!("config:   {}", s.config);
        }
        self.offered_change(s);
    }

    /// How the catalog's entry for an installed server now differs; it runs the old one until
    /// the user accepts.
    pub fn offered_change(&self, s: &ServerView) {
        if self.json || s.offered_change.is_empty() {
            return;
        }
        say!("{}", self.said(berth_api::msg!("cli.change.title", name = &s.name)));
        let (installed, offered) = (
            self.said(berth_api::msg!("servers.change.installed")),
            self.said(berth_api::msg!("servers.change.offered")),
        );
        for c in &s.offered_change {
            say!("  {}:", c.field);
            say!("    {installed}: {}", c.installed);
            say!("    {offered}: {}", c.offered);
        }
        say!("{}", self.said(berth_api::msg!("cli.change.how", name = &s.name)));
    }

    pub fn sessions(&self, list: &[SessionView]) {
        if self.json {
            return self.print_json(&list);
        }
        if list.is_empty() {
            say!("{}", self.said(berth_api::msg!("cli.sessions.empty")));
        }
        for s in list {
            let state = if s.active { "active" } else { "ended" };
            let servers: Vec<&str> = s.servers.iter().map(|x| x.server.as_str()).collect();
            say!("{:<24} {:<6} {:<7} {}", s.id, s.transport, state, servers.join(", "));
        }
    }

    pub fn calls(&self, list: &[CallView]) {
        if self.json {
            return self.print_json(&list);
        }
        if list.is_empty() {
            say!("{}", self.said(berth_api::msg!("cli.calls.empty")));
        }
        for c in list {
            say!(
                "{:<20} {:<24} exit {} {:>6} ms  args: {}",
                c.server,
                c.tool,
                c.exit_code,
                c.duration_ms,
                c.arg_names.join(", ")
            );
        }
    }

    pub fn events(&self, list: &[berth_api::EventView]) {
        if self.json {
            return self.print_json(&list);
        }
        if list.is_empty() {
            say!("{}", self.said(berth_api::msg!("cli.events.empty")));
        }
        let locale = self.locale.get().copied().unwrap_or(berth_api::Locale::En);
        for e in list {
            let text = berth_api::messages::render_message(locale, Some(&e.key), &e.params, &e.message);
            let place = [e.server.as_deref(), e.session.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" in ");
            say!("{} {:<5} {:<18} {:<24} {}", e.at, e.level, e.kind, place, text);
        }
    }

    pub fn refresh(&self, outcomes: &[RefreshOutcome]) {
        if self.json {
            return self.print_json(&outcomes);
        }
        if outcomes.is_empty() {
            say!("{}", self.said(berth_api::msg!("cli.refresh.empty")));
        }
        let locale = self.locale.get().copied().unwrap_or(berth_api::Locale::En);
        for o in outcomes {
            let text = berth_api::messages::render_message(locale, o.key.as_deref(), &o.params, &o.message);
            say!("{:<24} {:?}: {}", o.id, o.status, text);
        }
    }
}

fn kind_label(kind: ItemKind, runnable: bool) -> &'static str {
    match (kind, runnable) {
        (ItemKind::Container, _) => "container",
        (ItemKind::Remote, _) => "remote",
        (ItemKind::Package, _) => "package",
    }
}

fn secrets_line(secrets: &[SecretStatus]) -> String {
    secrets
        .iter()
        .map(|s| format!("{} ({})", s.env, if s.set { "set" } else { "not set" }))
        .collect::<Vec<_>>()
        .join(", ")
}

fn one_line(s: &str, max: usize) -> String {
    let s = s.replace('\n', " ");
    if s.chars().count() <= max { s } else { format!("{}…", s.chars().take(max - 1).collect::<String>()) }
}

fn age(ms: Option<i64>) -> String {
    match ms {
        None => "unknown".into(),
        Some(ms) if ms < 120_000 => format!("{} s", ms / 1000),
        Some(ms) if ms < 7_200_000 => format!("{} min", ms / 60_000),
        Some(ms) if ms < 172_800_000 => format!("{} h", ms / 3_600_000),
        Some(ms) => format!("{} days", ms / 86_400_000),
    }
}
