//! `berth catalog`: ranked search, one entry's details, and catalog sources.

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};

use berth_api::{ApiError, Berth, CatalogQuery, ItemKind, RefreshStatus, SearchFilters};

use crate::output::Output;

#[derive(Subcommand)]
pub enum CatalogCommand {
    /// Ranked search over name, title, description, tags and tools.
    Search {
        /// Words to search for; none lists everything.
        query: Vec<String>,
        /// Only this kind of server.
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        /// Only servers that sign in with OAuth.
        #[arg(long)]
        oauth: bool,
        /// Only servers that need no secret.
        #[arg(long)]
        no_secrets: bool,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Everything about one server.
    Show { name: String },
    /// Catalog sources: the built-in catalog, URLs and local files.
    #[command(subcommand)]
    Source(SourceCommand),
}

#[derive(Subcommand)]
pub enum SourceCommand {
    /// Add a catalog URL (https), an absolute file path, or a folder of `server.yaml` / `server.json`
    /// files, and read it.
    Add {
        location: String,
        /// A short name for the source (derived from the location when absent).
        #[arg(long)]
        name: Option<String>,
    },
    /// List sources with their health and the age of their content.
    Ls,
    /// Remove a source.
    Rm { id: String },
    /// Fetch sources again (all, or the one named).
    Refresh { id: Option<String> },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum KindArg {
    Container,
    Remote,
    Package,
}

pub async fn run(berth: &Berth, command: CatalogCommand, out: &Output) -> Result<ExitCode, ApiError> {
    match command {
        CatalogCommand::Search { query, kind, oauth, no_secrets, limit } => {
            let filters = SearchFilters {
                kind: kind.map(|k| match k {
                    KindArg::Container => ItemKind::Container,
                    KindArg::Remote => ItemKind::Remote,
                    KindArg::Package => ItemKind::Package,
                }),
                needs_oauth: oauth.then_some(true),
                needs_secrets: no_secrets.then_some(false),
            };
            let query = query.join(" ");
            let hits = berth
                .catalog_search(CatalogQuery { query, filters, limit: Some(limit), locale: None })
                .await?;
            out.catalog_hits(&hits);
        }
        CatalogCommand::Show { name } => out.catalog_item(&berth.catalog_show(&name, None).await?),
        CatalogCommand::Source(SourceCommand::Add { location, name }) => {
            let src = berth.catalog_source_add(&location, name.as_deref()).await?;
            out.done(
                &src,
                &out.said(berth_api::msg!(
                    "cli.source.added",
                    id = &src.id,
                    count = src.item_count,
                    skipped = src.rejected_count
                )),
            );
        }
        CatalogCommand::Source(SourceCommand::Ls) => out.catalog_overview(&berth.catalog_overview().await?),
        CatalogCommand::Source(SourceCommand::Rm { id }) => {
            berth.catalog_source_remove(&id).await?;
            let text = out.said(berth_api::msg!("cli.removed", name = &id));
            out.done(&serde_json::json!({ "id": id, "removed": true }), &text);
        }
        CatalogCommand::Source(SourceCommand::Refresh { id }) => {
            let outcomes = berth.catalog_refresh(id.as_deref()).await?;
            out.refresh(&outcomes);
            if outcomes.iter().any(|o| o.status == RefreshStatus::Failed) {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
