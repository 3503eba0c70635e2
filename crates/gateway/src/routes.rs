//! Listing and routing: the session's tools, prompts, resources and templates gathered from its
//! servers under exposed names, and which server owns a name or a URI.

use std::collections::HashMap;
use std::future::Future;

use rmcp::model::{
    ClientRequest, PaginatedRequestParams, Prompt, RequestOptionalParam, Resource, ResourceTemplate,
    ServerCapabilities, ServerResult, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, Peer, RoleClient, RoleServer};

use crate::dynamic;
use crate::forward::{forward_to, unexpected};
use crate::{BackendError, GatewaySession, SessionBackend, SessionTool};

/// Exposed names (and resource URIs) mapped to the server that owns them and its own name.
#[derive(Default)]
pub(crate) struct Routes {
    pub(crate) tools: HashMap<String, (String, String)>,
    pub(crate) prompts: HashMap<String, (String, String)>,
    pub(crate) resources: HashMap<String, String>,
    pub(crate) templates: HashMap<String, String>,
}

/// Exposed names: an item keeps its own name unless another server (or a dynamic tool) has the
/// same one; then every holder of that name is shown as `<server>__<name>`.
pub(crate) fn expose<'a>(items: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> Vec<String> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (_, name) in items.clone() {
        *count.entry(name).or_default() += 1;
    }
    items
        .map(|(server, name)| {
            let clash = count[name] > 1 || dynamic::ALL.contains(&name);
            if clash { format!("{server}__{name}") } else { name.to_owned() }
        })
        .collect()
}

impl<B: SessionBackend> GatewaySession<B> {
    pub(crate) async fn current_tools(&self) -> Result<Vec<Tool>, BackendError> {
        let tools: Vec<SessionTool> = self.b().tools().await?;
        let names = expose(tools.iter().map(|t| (t.server.as_str(), t.name())));
        let mut routes = HashMap::new();
        let mut out = if self.b().manages_servers() { dynamic::tools() } else { Vec::new() };
        for (name, t) in names.into_iter().zip(tools) {
            routes.insert(name.clone(), (t.server.clone(), t.tool.name.to_string()));
            let mut tool = t.tool;
            tool.name = name.into();
            out.push(tool);
        }
        self.routes().tools = routes;
        Ok(out)
    }

    pub(crate) async fn tool_route(&self, name: &str) -> Result<Option<(String, String)>, BackendError> {
        if let Some(r) = self.routes().tools.get(name).cloned() {
            return Ok(Some(r));
        }
        // The client may call a tool it learned of before this session listed it; refresh once.
        self.current_tools().await?;
        Ok(self.routes().tools.get(name).cloned())
    }

    pub(crate) async fn current_prompts(
        &self,
        context: &RequestContext<RoleServer>,
    ) -> Result<Vec<Prompt>, ErrorData> {
        let all = self
            .list_everywhere(
                context,
                |c| c.prompts.is_some(),
                |p| ClientRequest::ListPromptsRequest(page_request(p)),
                |r| match r? {
                    ServerResult::ListPromptsResult(r) => Ok((r.prompts, r.next_cursor)),
                    other => Err(unexpected(other)),
                },
            )
            .await?;
        let names = expose(all.iter().map(|(s, p)| (s.as_str(), p.name.as_str())));
        let mut routes = HashMap::new();
        let out = names
            .into_iter()
            .zip(all)
            .map(|(name, (server, mut prompt))| {
                routes.insert(name.clone(), (server, prompt.name.clone()));
                prompt.name = name;
                prompt
            })
            .collect();
        self.routes().prompts = routes;
        Ok(out)
    }

    /// Every session server's resources; their routes are refreshed.
    pub(crate) async fn current_resources(
        &self,
        context: &RequestContext<RoleServer>,
    ) -> Result<Vec<Resource>, ErrorData> {
        let all = self
            .list_everywhere(
                context,
                |c| c.resources.is_some(),
                |p| ClientRequest::ListResourcesRequest(page_request(p)),
                |r| match r? {
                    ServerResult::ListResourcesResult(r) => Ok((r.resources, r.next_cursor)),
                    other => Err(unexpected(other)),
                },
            )
            .await?;
        let mut routes = HashMap::new();
        for (server, r) in &all {
            routes.entry(r.uri.clone()).or_insert_with(|| server.clone());
        }
        self.routes().resources = routes;
        Ok(all.into_iter().map(|(_, r)| r).collect())
    }

    /// Every session server's resource templates; their routes are refreshed.
    pub(crate) async fn current_templates(
        &self,
        context: &RequestContext<RoleServer>,
    ) -> Result<Vec<ResourceTemplate>, ErrorData> {
        let all = self
            .list_everywhere(
                context,
                |c| c.resources.is_some(),
                |p| ClientRequest::ListResourceTemplatesRequest(page_request(p)),
                |r| match r {
                    Ok(ServerResult::ListResourceTemplatesResult(r)) => {
                        Ok((r.resource_templates, r.next_cursor))
                    }
                    // A server with resources need not have templates.
                    Err(e) if e.code == rmcp::model::ErrorCode::METHOD_NOT_FOUND => Ok((Vec::new(), None)),
                    Ok(other) => Err(unexpected(other)),
                    Err(e) => Err(e),
                },
            )
            .await?;
        let mut routes = HashMap::new();
        for (server, t) in &all {
            routes.entry(t.uri_template.clone()).or_insert_with(|| server.clone());
        }
        self.routes().templates = routes;
        Ok(all.into_iter().map(|(_, t)| t).collect())
    }

    /// One list, every page of it, from each session server that offers it; each item comes with
    /// its server.
    pub(crate) async fn list_everywhere<T>(
        &self,
        context: &RequestContext<RoleServer>,
        offered: fn(&ServerCapabilities) -> bool,
        request: fn(Option<PaginatedRequestParams>) -> ClientRequest,
        page: fn(Result<ServerResult, ErrorData>) -> Result<Page<T>, ErrorData>,
    ) -> Result<Vec<(String, T)>, ErrorData> {
        let mut all = Vec::new();
        for (server, peer) in self.peers().await {
            if !offers(&peer, offered) {
                continue;
            }
            let listed = list_paged(|cursor| {
                let request = request(cursor.map(|c| PaginatedRequestParams::default().with_cursor(Some(c))));
                let (relay, peer) = (self.b().relay().clone(), peer.clone());
                async move { page(forward_to(&relay, peer, request, context).await) }
            })
            .await?;
            all.extend(listed.into_iter().map(|item| (server.clone(), item)));
        }
        Ok(all)
    }

    /// The server that owns `uri`: a listed resource, a template whose fixed prefix matches, or
    /// the only server offering resources.
    pub(crate) async fn resource_owner(
        &self,
        uri: &str,
        context: &RequestContext<RoleServer>,
    ) -> Result<String, ErrorData> {
        let lookup = |r: &Routes| {
            r.resources.get(uri).cloned().or_else(|| {
                r.templates
                    .iter()
                    .filter(|(t, _)| uri.starts_with(t.split('{').next().unwrap_or(t)))
                    .max_by_key(|(t, _)| t.split('{').next().unwrap_or(t).len())
                    .map(|(_, s)| s.clone())
            })
        };
        if let Some(s) = lookup(&self.routes()) {
            return Ok(s);
        }
        self.current_resources(context).await?;
        self.current_templates(context).await?;
        if let Some(s) = lookup(&self.routes()) {
            return Ok(s);
        }
        let offering: Vec<String> = self
            .peers()
            .await
            .into_iter()
            .filter(|(_, p)| offers(p, |c| c.resources.is_some()))
            .map(|(s, _)| s)
            .collect();
        match offering.as_slice() {
            [only] => Ok(only.clone()),
            _ => Err(ErrorData::resource_not_found(format!("no server in this session has {uri}"), None)),
        }
    }

    pub(crate) async fn prompt_route(
        &self,
        name: &str,
        context: &RequestContext<RoleServer>,
    ) -> Result<(String, String), ErrorData> {
        if let Some(r) = self.routes().prompts.get(name).cloned() {
            return Ok(r);
        }
        self.current_prompts(context).await?;
        self.routes()
            .prompts
            .get(name)
            .cloned()
            .ok_or_else(|| ErrorData::invalid_params(format!("no prompt named {name} in this session"), None))
    }
}

/// A list request for one page.
pub(crate) fn page_request<M: Default>(
    cursor: Option<PaginatedRequestParams>,
) -> RequestOptionalParam<M, PaginatedRequestParams> {
    RequestOptionalParam { method: M::default(), params: cursor, extensions: Default::default() }
}

/// Whether a server announced a capability.
pub(crate) fn offers(peer: &Peer<RoleClient>, has: impl Fn(&ServerCapabilities) -> bool) -> bool {
    peer.peer_info().is_some_and(|i| has(&i.capabilities))
}

/// One page of a list: its items and the cursor of the next page.
type Page<T> = (Vec<T>, Option<String>);

/// Collects every page of a list.
async fn list_paged<T, F, Fut>(mut page: F) -> Result<Vec<T>, ErrorData>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>, ErrorData>>,
{
    let mut out = Vec::new();
    let mut cursor = None;
    // A server that keeps returning cursors cannot hold the session forever.
    for _ in 0..1000 {
        let (items, next) = page(cursor).await?;
        out.extend(items);
        match next {
            Some(c) if !c.is_empty() => cursor = Some(c),
            _ => return Ok(out),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colliding_names_get_a_server_prefix() {
        let items = [("a", "search"), ("b", "search"), ("a", "read"), ("c", "mcp-add")];
        let names = expose(items.iter().map(|(s, n)| (*s, *n)));
        assert_eq!(names, ["a__search", "b__search", "read", "c__mcp-add"]);
    }
}
