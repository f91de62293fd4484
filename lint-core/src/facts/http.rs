//! What the web frameworks make client-controlled, and what they make trusted.
//!
//! Framework knowledge only: which extractor types, request methods and route attributes hand
//! the handler a value the client chose (axum, actix-web, rocket, poem, warp, salvo, tonic), which
//! types and members carry the verified identity, and which calls check a tenant against it.
//! [`crate::taint`] uses these facts to follow the values through function bodies.

use crate::ir::{Attr, Function, Ty};
use crate::model::RustFile;
use crate::semantic::callgraph::{CallGraph, EntryKind, FnRef};
use crate::semantic::settings::Config;

/// Where in the request a client-controlled value was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputKind {
    Header,
    PathParam,
    Query,
    Body,
    Cookie,
    /// gRPC metadata (tonic).
    Metadata,
    /// The whole request or its parts: headers, URI and body are all reachable from it.
    Request,
}

impl InputKind {
    /// How a finding names an input of this kind called `name`.
    pub fn describe(self, name: &str) -> String {
        match self {
            InputKind::Header => format!("header `{name}`"),
            InputKind::PathParam => format!("path parameter `{name}`"),
            InputKind::Query => format!("query parameter `{name}`"),
            InputKind::Body => format!("request body field `{name}`"),
            InputKind::Cookie => format!("cookie `{name}`"),
            InputKind::Metadata => format!("gRPC metadata `{name}`"),
            InputKind::Request => format!("request value `{name}`"),
        }
    }
}

/// What a handler or extractor parameter of some type gives the function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamRole {
    /// A client-controlled container: its fields and entries are client values.
    Carrier(InputKind),
    /// One client-controlled header, typed (`TypedHeader<XTenantId>`): the type names it.
    TypedHeader(String),
    /// The verified identity (claims, session, authenticated user, middleware extension).
    Trusted,
}

/// Built-in names of types and members that carry the verified identity. A type matches when
/// its last path segment contains one of these (`JwtClaims`, `AuthedUser`, `UserSession`).
const TRUSTED_TYPE_WORDS: &[&str] = &[
    "Claims",
    "Authed",
    "Authenticated",
    "AuthUser",
    "AuthContext",
    "Session",
    "Principal",
    "Identity",
    "CurrentUser",
];

/// `Extension<T>` carries what middleware inserted: the identity when `T` names it
/// (`Extension<Claims>`, `Extension<CurrentUser>`, `Extension<TenantId>`), infrastructure
/// otherwise (`Extension<PgPool>`).
const IDENTITY_EXTENSION_WORDS: &[&str] = &[
    "User",
    "Tenant",
    "Org",
    "Account",
    "Member",
    "Token",
    "Workspace",
    "Auth",
];

/// Request members that hold what the auth middleware put there, not what the client sent.
const TRUSTED_MEMBERS: &[&str] = &["extensions", "extensions_mut", "claims", "session"];

/// Words in a function name that say it checks access (membership, authorization).
const VERIFIER_WORDS: &[&str] = &[
    "member",
    "authoriz",
    "authoris",
    "permission",
    "verify",
    "check_access",
    "ensure_access",
    "can_access",
    "has_access",
    "require_access",
    "assert_access",
    "belongs",
];

/// Words in a function name that say it requires an instance-wide administrator, who may act
/// on every tenant (`require_super_admin`).
const ADMIN_GATE_WORDS: &[&str] = &["super_admin", "superadmin", "instance_admin"];

/// Whether a call to this function restricts the request to administrators of all tenants.
pub fn is_admin_gate(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ADMIN_GATE_WORDS.iter().any(|w| lower.contains(w))
}

/// Whether a guard type restricts a route to instance administrators (`AdminToken`,
/// `SuperAdmin`). Callers exclude admin guards that read a tenant (organization admins).
pub fn is_admin_guard_type(name: &str) -> bool {
    name.contains("Admin")
}

/// Whether an argument names a privileged role or scope that is not tied to one tenant:
/// `check_permissions(&req, Scope::Admin)`, `require_role(&user, Role::Operator)`.
/// A scope named after tenants (`Scope::Tenant`) says the token is for some tenant, not which.
pub fn is_role_or_scope(path: &[String]) -> bool {
    const PER_TENANT: &[&str] = &["Tenant", "Org", "Workspace", "Project", "Account", "User"];
    matches!(path, [.., kind, variant]
        if matches!(kind.as_str(), "Scope" | "Scopes" | "Role" | "Roles")
            && !PER_TENANT.iter().any(|w| variant.contains(w)))
}

/// Parameter names that denote the authenticated principal in a membership query.
const PRINCIPAL_WORDS: &[&str] = &["user", "member", "account", "principal", "subject", "email"];

/// The role of a parameter with this type, for any framework.
pub fn param_role(ty: &Ty, config: &Config) -> Option<ParamRole> {
    if is_trusted_type(ty, config) {
        return Some(ParamRole::Trusted);
    }
    let path = ty.path()?;
    let name = path.last();
    // `&std::path::Path` is a file path, not the `Path<T>` extractor.
    if name == "Path" && path.generics.is_empty() {
        return None;
    }
    let kind = match name {
        // axum, actix-web (`web::Path`), poem, poem-openapi.
        "Path" | "RawPathParams" | "MatchedPath" | "OriginalUri" | "Uri" => InputKind::PathParam,
        "Query" | "RawQuery" => InputKind::Query,
        "Json" | "Form" | "Multipart" | "Bytes" | "Payload" | "PlainText" => InputKind::Body,
        "HeaderMap" | "Header" => InputKind::Header,
        "CookieJar" | "SignedCookieJar" | "PrivateCookieJar" | "CookieJarRef" | "Cookie" => {
            InputKind::Cookie
        }
        "MetadataMap" => InputKind::Metadata,
        // axum/hyper/http `Request` and `Parts`, actix `HttpRequest`, tonic `Request<T>`,
        // rocket `&Request`, poem `&Request`.
        "Request" | "HttpRequest" | "Parts" | "ServiceRequest" => InputKind::Request,
        "TypedHeader" => {
            return Some(ParamRole::TypedHeader(
                ty.args().first().map_or("", |t| t.name()).to_string(),
            ))
        }
        _ => return None,
    };
    Some(ParamRole::Carrier(kind))
}

/// Whether a type carries the verified identity: built-in names or `trusted-sources`.
pub fn is_trusted_type(ty: &Ty, config: &Config) -> bool {
    let Some(path) = ty.path() else { return false };
    let name = path.last();
    let joined = path.joined();
    if config
        .trusted_sources
        .iter()
        .any(|t| t == name || t == &joined || joined.ends_with(&format!("::{t}")))
    {
        return true;
    }
    // `Option<Claims>`, `Data<Session>`: the wrapper does not change where the value came from.
    let server_wrapper = crate::knowledge::wrappers::SERVER_VALUE_WRAPPERS.contains(&name);
    if name != "Extension" && (crate::semantic::types::is_std_holder(name) || server_wrapper) {
        return ty.args().iter().any(|t| is_trusted_type(t, config));
    }
    if name == "Extension" {
        return ty.args().iter().any(|t| {
            is_trusted_type(t, config)
                || IDENTITY_EXTENSION_WORDS
                    .iter()
                    .any(|w| t.name().contains(w))
        });
    }
    TRUSTED_TYPE_WORDS.iter().any(|w| name.contains(w))
}

/// Whether a method or field of a request yields trusted data (`req.extensions()`).
pub fn is_trusted_member(name: &str, config: &Config) -> bool {
    TRUSTED_MEMBERS.contains(&name) || config.trusted_sources.iter().any(|t| t == name)
}

/// Whether a call to this function or method (by name or path) is configured in
/// `tenant-verifiers` as checking a tenant against the authenticated principal.
pub fn is_configured_verifier(path: &[String], config: &Config) -> bool {
    let Some(last) = path.last() else {
        return false;
    };
    let joined = path.join("::");
    config
        .tenant_verifiers
        .iter()
        .any(|v| v == last || v == &joined || joined.ends_with(&format!("::{v}")))
}

/// Whether a function's name says it checks access (`is_member`, `authorize`). A name only
/// decides for code the analysis cannot see (see `taint::verifier_names`).
pub fn has_verifier_words(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    VERIFIER_WORDS.iter().any(|w| lower.contains(w))
}

/// Whether an extractor type is configured as verifying the request's tenant on its own
/// (`tenant-verifiers = ["OrgMember"]`).
pub fn is_verifier_type(ty: &Ty, config: &Config) -> bool {
    let Some(path) = ty.path() else { return false };
    config
        .tenant_verifiers
        .iter()
        .any(|v| v == path.last() || *v == path.joined())
}

/// Whether a parameter name denotes the authenticated principal (`user_id`, `member`).
pub fn is_principal_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    PRINCIPAL_WORDS.iter().any(|w| lower.contains(w))
}

/// Whether a function implements a framework's custom-extractor trait
/// (`FromRequestParts`, `FromRequest`, rocket's `FromRequest<'r>`, poem's `FromRequest<'a>`).
pub fn is_extractor_impl(f: &Function) -> bool {
    f.owner
        .as_ref()
        .and_then(|o| o.trait_path.as_ref())
        .is_some_and(|t| {
            matches!(
                t.last(),
                "FromRequestParts" | "FromRequest" | "OptionalFromRequestParts" | "FromRequestSync"
            )
        })
}

/// The type a custom extractor function produces (the impl's self type).
pub fn extractor_type(f: &Function) -> Option<&str> {
    is_extractor_impl(f)
        .then(|| f.owner.as_ref().map(|o| o.self_ty.name()))
        .flatten()
}

/// What a method called on a client-controlled container gives back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CarrierStep {
    /// Another container (`req.headers()`, `request.metadata()`, `path.into_inner()`).
    Carrier(InputKind),
    /// One named entry read by its name in the first argument (`headers.get("x-tenant-id")`).
    Lookup(InputKind),
}

/// The step a method or field on a container of `kind` takes, if it reads client data.
pub fn carrier_step(kind: InputKind, member: &str) -> Option<CarrierStep> {
    use CarrierStep::*;
    use InputKind::*;
    Some(match member {
        "headers" | "headers_mut" => Carrier(Header),
        "match_info" | "params" | "path_params" | "uri_params" => Carrier(PathParam),
        // The URI's path text, split into segments: `uri.path().split('/')`.
        "path" | "split" | "path_segments" if matches!(kind, PathParam | Query | Request) => {
            Carrier(PathParam)
        }
        "nth" if kind == PathParam => Lookup(PathParam),
        // The request URI: its path names the route's parameters (`uri.path().split('/')`).
        "uri" | "original_uri" if kind == Request => Carrier(PathParam),
        "query_string" | "uri" | "query_params" => Carrier(Query),
        "metadata" | "metadata_mut" => Carrier(Metadata),
        "cookies" => Carrier(Cookie),
        "cookie" | "get_private" | "get_signed" => Lookup(Cookie),
        "body" | "json" | "into_body" | "get_ref" | "into_inner" | "form" | "payload" | "0" => {
            Carrier(if kind == Request { Body } else { kind })
        }
        // salvo: the request parses its parts (`req.parse_json::<T>()`, `req.parse_queries()`).
        "parse_json" | "parse_form" | "parse_body" => Carrier(Body),
        "parse_queries" => Carrier(Query),
        "parse_params" => Carrier(PathParam),
        "parse_headers" => Carrier(Header),
        // On the whole request the method says which part it reads.
        "header" if kind == Request => Lookup(Header),
        "param" | "get_param" if kind == Request => Lookup(PathParam),
        "query" | "query_value" | "get_query" if kind == Request => Lookup(Query),
        "get" | "get_one" | "get_all" | "get_bin" | "typed_get" | "query" | "param"
        | "get_param" | "query_value" | "get_query" => {
            Lookup(if kind == Request { Header } else { kind })
        }
        _ => return None,
    })
}

/// Rocket-style route parameters: the `<name>` and `<name..>` segments of a route attribute
/// (`#[get("/orgs/<org_id>/users?<page>")]`).
pub fn route_params(f: &Function) -> Vec<String> {
    let mut out = Vec::new();
    for a in &f.attrs {
        if !is_route_attr(a) {
            continue;
        }
        for (s, _) in &a.strings {
            let mut rest = s.as_str();
            while let Some(open) = rest.find('<') {
                let after = &rest[open + 1..];
                let Some(close) = after.find('>') else { break };
                out.push(after[..close].trim_end_matches("..").to_string());
                rest = &after[close + 1..];
            }
        }
    }
    out
}

/// Whether an extractor streams a multipart upload, whose parts carry client-chosen file names
/// (axum, actix-multipart and poem `Multipart`).
pub fn is_multipart(ty: &Ty) -> bool {
    ty.path().is_some_and(|p| p.last() == "Multipart")
}

/// Whether a rocket route parameter of this type receives the segment's text as the client sent
/// it: `&str`, `String`, `Cow<str>`, `&RawStr`, or an `Option`/`Result` of one. Other types go
/// through their own `FromParam`, which validates (a uuid newtype), and `PathBuf` is the
/// segments guard, which rejects `..`, hidden and absolute segments.
pub fn is_raw_route_param(ty: &Ty) -> bool {
    match ty {
        Ty::Ref(t) => is_raw_route_param(t),
        Ty::Path(p) => match p.last() {
            "Option" | "Result" => p.generics.first().is_some_and(is_raw_route_param),
            name => matches!(name, "str" | "String" | "Cow" | "RawStr"),
        },
        _ => false,
    }
}

fn is_route_attr(a: &Attr) -> bool {
    matches!(
        a.path.last(),
        "get" | "post" | "put" | "patch" | "delete" | "head" | "options" | "route"
    )
}

/// warp filters that read one named header: `warp::header::<T>("x-tenant-id")`,
/// `warp::header::optional("x-tenant-id")`.
pub fn is_warp_header_filter(path: &[String]) -> bool {
    let segs: Vec<&str> = path.iter().map(String::as_str).collect();
    matches!(
        segs.as_slice(),
        ["warp", "header"] | ["header"] | [.., "header", "optional"] | [.., "header", "header"]
    )
}

/// Calls that register the function handed to them as a route handler: axum and poem method
/// routers (`get(list)`, `routing::post(create)`), actix `web::get().to(list)`.
const ROUTE_REGISTRATIONS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "any", "on", "to",
];

/// Calls that mount what they are handed on a server, beside [`ROUTE_REGISTRATIONS`]: actix
/// `.service(list)` (an attribute-routed handler) and `App::configure(routes)`, tonic
/// `add_service`, poem `at`, axum `nest_service`.
const MOUNTS: &[&str] = &["service", "configure", "add_service", "nest_service", "at"];

/// Calls that turn the function handed to them into middleware: axum `middleware::from_fn`
/// and `map_request`, actix `wrap_fn`.
const MIDDLEWARE_REGISTRATIONS: &[&str] = &[
    "from_fn",
    "from_fn_with_state",
    "map_request",
    "map_request_with_state",
    "wrap_fn",
];

/// Whether a call with this last path segment turns the function handed to it into middleware.
pub fn is_middleware_registration(call: &str) -> bool {
    MIDDLEWARE_REGISTRATIONS.contains(&call)
}

/// Traits whose impls sit between the client and the handler: tower `Service`/`Layer`,
/// actix `Transform`/`Service`, poem `Middleware`/`Endpoint`.
const MIDDLEWARE_TRAITS: &[&str] = &["Service", "Layer", "Transform", "Middleware", "Endpoint"];

/// Marks the workspace's request entry points in the call graph: route handlers (route
/// attributes and route registrations), custom extractors and request guards, middleware
/// (`from_fn` functions, tower/actix/poem middleware impls) and gRPC service methods (an impl
/// method that takes a `Request<_>` and returns a `Result` with `Status`, tonic's shape).
pub fn mark_entry_points(graph: &mut CallGraph, files: &[&RustFile]) {
    for (i, file) in files.iter().enumerate() {
        for id in file.function_ids() {
            let f = file.function(id);
            let r = FnRef { file: i, func: id };
            let trait_name = f
                .owner
                .as_ref()
                .and_then(|o| o.trait_path.as_ref())
                .map(|t| t.last());
            let kind = if f
                .attrs
                .iter()
                .any(|a| is_route_attr(a) || a.path.last() == "handler")
            {
                Some(EntryKind::Handler)
            } else if is_extractor_impl(f) {
                Some(EntryKind::Extractor)
            } else if trait_name.is_some_and(|t| MIDDLEWARE_TRAITS.contains(&t))
                && matches!(f.name.name.as_str(), "call" | "new_transform" | "layer")
            {
                Some(EntryKind::Middleware)
            } else if trait_name.is_some() && is_rpc_method(f) {
                Some(EntryKind::RpcMethod)
            } else {
                None
            };
            if let Some(kind) = kind {
                graph.set_entry(r, kind);
            }
        }
    }
    let registers = graph.handed_fns().iter().any(|h| {
        h.receiver_call.last().is_some_and(|c| {
            ROUTE_REGISTRATIONS.contains(&c.as_str()) || MOUNTS.contains(&c.as_str())
        })
    });
    if registers {
        graph.set_registers_routes();
        let imported = files
            .iter()
            .flat_map(|f| &f.uses)
            .filter(|u| !u.glob)
            .filter_map(|u| match u.path.as_slice() {
                [.., parent, leaf] => Some((parent.clone(), leaf.clone())),
                _ => None,
            })
            .collect();
        graph.set_imported_names(imported);
    }
    let handed: Vec<(FnRef, EntryKind)> = graph
        .handed_fns()
        .iter()
        .filter_map(|h| {
            let call = h.receiver_call.last()?.as_str();
            if ROUTE_REGISTRATIONS.contains(&call) {
                Some((h.func, EntryKind::Handler))
            } else if is_middleware_registration(call) {
                Some((h.func, EntryKind::Middleware))
            } else {
                None
            }
        })
        .collect();
    for (f, kind) in handed {
        graph.set_entry(f, kind);
    }
}

/// Whether a function that reads the request is no entry point: the workspace registers its
/// routes where the analysis reads them, and nothing marks, calls or names this function (no
/// route attribute, registration, caller, or call it is handed to). Documentation macros
/// (utoipa's `#[openapi(paths(..))]`) register nothing. A registration the analysis cannot
/// read (built by a macro) makes this wrong: the rule's `trust-route-registrations` option.
pub fn is_unregistered(graph: &CallGraph, f: FnRef) -> bool {
    graph.registers_routes() && graph.entry(f).is_none() && !graph.is_referenced(f)
}

/// tonic's service method shape: `async fn m(&self, request: Request<T>) -> Result<Response<U>,
/// Status>`.
fn is_rpc_method(f: &Function) -> bool {
    let takes_request = f.params.iter().any(|p| {
        p.ty.path()
            .is_some_and(|t| t.last() == "Request" && !t.generics.is_empty())
    });
    takes_request && f.ret.as_ref().is_some_and(|t| t.mentions("Status"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Path;

    fn ty(segs: &[&str], args: Vec<Ty>) -> Ty {
        Ty::Path(Path {
            segments: segs.iter().map(|s| s.to_string()).collect(),
            generics: args,
        })
    }

    #[test]
    fn roles_of_extractor_types() {
        let c = Config::default();
        assert_eq!(
            param_role(&ty(&["HeaderMap"], vec![]), &c),
            Some(ParamRole::Carrier(InputKind::Header))
        );
        assert_eq!(
            param_role(&ty(&["web", "Path"], vec![ty(&["Uuid"], vec![])]), &c),
            Some(ParamRole::Carrier(InputKind::PathParam))
        );
        assert_eq!(
            param_role(&ty(&["Extension"], vec![ty(&["Claims"], vec![])]), &c),
            Some(ParamRole::Trusted)
        );
        assert_eq!(
            param_role(&ty(&["TypedHeader"], vec![ty(&["XTenantId"], vec![])]), &c),
            Some(ParamRole::TypedHeader("XTenantId".into()))
        );
        assert_eq!(param_role(&ty(&["PgPool"], vec![]), &c), None);
        assert_eq!(param_role(&ty(&["std", "path", "Path"], vec![]), &c), None);
    }

    #[test]
    fn raw_rocket_route_params() {
        let str_ref = Ty::Ref(Box::new(ty(&["str"], vec![])));
        assert!(is_raw_route_param(&str_ref));
        assert!(is_raw_route_param(&ty(&["Option"], vec![str_ref])));
        assert!(is_raw_route_param(&ty(&["String"], vec![])));
        assert!(!is_raw_route_param(&ty(&["PathBuf"], vec![])));
        assert!(!is_raw_route_param(&ty(&["CipherId"], vec![])));
        assert!(!is_raw_route_param(&ty(&["u64"], vec![])));
    }

    #[test]
    fn configured_trusted_and_verifiers() {
        let c = Config {
            trusted_sources: vec!["ApiAuthed".into()],
            tenant_verifiers: vec!["require_is_writer".into()],
            ..Config::default()
        };
        assert!(is_trusted_type(&ty(&["ApiAuthed"], vec![]), &c));
        assert!(is_configured_verifier(&["require_is_writer".into()], &c));
        assert!(!is_configured_verifier(
            &["Org".into(), "is_member".into()],
            &c
        ));
        assert!(has_verifier_words("is_member"));
        assert!(!has_verifier_words("find_docs"));
    }

    #[test]
    fn entry_points_of_each_framework() {
        let text = r#"
            async fn list(Path(org): Path<Uuid>) {}
            async fn auth(req: Request, next: Next) -> Response { next.run(req).await }
            async fn helper() {}
            fn app() -> Router { Router::new().route("/", get(list)).layer(from_fn(auth)) }
            #[get("/orgs/<org>")]
            fn rocket_route(org: &str) {}
            #[handler]
            fn poem_route() {}
            fn actix(cfg: &mut ServiceConfig) { cfg.route("/x", web::post().to(create)); }
            async fn create() {}
            impl<S> FromRequestParts<S> for OrgMember {
                async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> { todo!() }
            }
            impl<S> Service<Request> for AuthService<S> {
                fn call(&mut self, req: Request) -> Self::Future { todo!() }
            }
            #[tonic::async_trait]
            impl Docs for DocsService {
                async fn get_doc(&self, request: Request<GetDoc>) -> Result<Response<Doc>, Status> { todo!() }
            }
        "#;
        let file = crate::parse::parse_rust(text).expect("parses");
        let mut graph = CallGraph::build(&[("app/src/lib.rs", &file)]);
        mark_entry_points(&mut graph, &[&file]);
        let kind = |name: &str| {
            let func = file
                .function_ids()
                .find(|&id| file.function(id).name.name == name)
                .expect("fn");
            graph.entry(FnRef { file: 0, func })
        };
        assert_eq!(kind("list"), Some(EntryKind::Handler));
        assert_eq!(kind("create"), Some(EntryKind::Handler));
        assert_eq!(kind("rocket_route"), Some(EntryKind::Handler));
        assert_eq!(kind("poem_route"), Some(EntryKind::Handler));
        assert_eq!(kind("auth"), Some(EntryKind::Middleware));
        assert_eq!(kind("from_request_parts"), Some(EntryKind::Extractor));
        assert_eq!(kind("call"), Some(EntryKind::Middleware));
        assert_eq!(kind("get_doc"), Some(EntryKind::RpcMethod));
        assert_eq!(kind("helper"), None);
        assert_eq!(kind("app"), None);
    }
}
