//! Printing results as text for people or JSON for scripts.

use serde::Serialize;

use berth_api::{ApiError, AppInfo, CheckStatus, DoctorReport, SecretInfo, SettingsView};

pub struct Output {
    pub json: bool,
}

impl Output {
    fn print_json<T: Serialize>(&self, value: &T) {
        println!("{}", serde_json::to_string_pretty(value).expect("DTOs serialise"));
    }

    pub fn error(&self, e: &ApiError) {
        if self.json {
            self.print_json(e);
        } else {
            eprintln!("error: {}", e.message);
            if let Some(d) = &e.detail {
                eprintln!("  detail: {d}");
            }
        }
    }

    pub fn done<T: Serialize>(&self, value: &T, text: &str) {
        if self.json { self.print_json(value) } else { println!("{text}") }
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
            println!("[{mark}] {:<9} {}", c.id, c.summary);
            if let Some(fix) = &c.fix {
                println!("       fix: {fix}");
            }
        }
        println!(
            "{}",
            if r.ok {
                "Everything Berth needs works."
            } else {
                "Some checks failed; see the fix lines above."
            }
        );
    }

    pub fn info(&self, i: &AppInfo) {
        if self.json {
            return self.print_json(i);
        }
        println!("berth {}", i.version);
        println!("data dir:  {}", i.data_dir);
        println!("database:  {} (schema {})", i.database, i.schema_version);
        println!("logs:      {}", i.log_dir);
    }

    pub fn secrets(&self, list: &[SecretInfo]) {
        if self.json {
            return self.print_json(&list);
        }
        if list.is_empty() {
            println!("No secrets stored. Add one with `berth secret set berth/<kind>/<id>`.");
        }
        for s in list {
            println!("{}", s.key);
        }
    }

    pub fn settings(&self, s: &SettingsView) {
        if self.json {
            return self.print_json(s);
        }
        let pref = serde_json::to_value(s.locale).unwrap();
        let eff = serde_json::to_value(s.effective_locale).unwrap();
        println!("locale: {} (in effect: {})", pref.as_str().unwrap_or("?"), eff.as_str().unwrap_or("?"));
    }
}
