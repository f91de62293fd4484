//! Where request-derived values go: a def-use pass over each function body, and summaries of
//! every workspace function so that values are followed through helpers and custom extractors.
//!
//! The pass is an abstract interpretation in source order. Bindings (lets, destructuring,
//! shadowing, closure parameters of combinators, `match` and `if let` arms) map a name to what
//! its value derives from: a client input ([`RequestSource`]), a function parameter (for the
//! summaries), or the verified identity. Each function's [`FnFlow`] lists the client values it
//! reads, where they are used ([`Use`]: SQL binds, query filters, cache and storage keys, tenant
//! context, workspace calls that reach one of those) and which of them are checked against the
//! verified identity ([`Check`]). [`analyze`] computes the summaries once for the workspace and
//! then the flows of every file.

use crate::facts::workspace::{AnalyzedFile, Workspace};
use crate::http::{self, CarrierStep, InputKind, ParamRole};
use crate::ir::*;
use crate::keys::Family;
use crate::model::RustFile;
use crate::semantic::callgraph::{CallGraph, Edge, EntryKind, FnRef, Resolved};
use crate::span::Span;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

mod library_checks;
mod verifier_names;

/// Where a tracked value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A client input read in this function: an index into [`FnFlow::sources`].
    Source(u32),
    /// The function's parameter at this index (`self` not counted), for summaries.
    Param(u32),
    /// A tenant of the verified identity after a constant fallback (an index into
    /// [`FnFlow::fail_open`]).
    Fallback(u32),
    /// A field of `self` (an index into [`FnFlow::self_fields`]): what the object was built
    /// with, for the summaries of auth objects that check the values they receive.
    SelfField(u32),
    /// A tenant-named field of a parameter (an index into [`FnFlow::param_fields`]): the
    /// tenant inside a request struct the caller hands over whole (`req.org_id`).
    ParamField(u32),
}

/// A client-controlled value read in a function.
#[derive(Clone, Debug)]
pub struct RequestSource {
    /// Where it is read: the header lookup, the path binding, the body field access, or the
    /// call of a helper or extractor that reads it.
    pub span: Span,
    pub kind: InputKind,
    /// The input's name: header name, parameter or field name.
    pub name: String,
    /// Whether the name says it is the tenant identifier.
    pub tenant: bool,
    /// The workspace function that read it, when read through a helper.
    pub via: Option<String>,
}

impl RequestSource {
    /// `header `x-tenant-id``, `path parameter `org_id` (read by `tenant_of`)`.
    pub fn describe(&self) -> String {
        let base = self.kind.describe(&self.name);
        match &self.via {
            Some(f) => format!("{base} (read by `{f}`)"),
            None => base,
        }
    }
}

/// What kind of use a value reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SinkKind {
    /// A bound SQL parameter (`.bind(x)`, `query!` argument, `push_bind`).
    SqlBind,
    /// A value spliced into SQL text.
    SqlText,
    /// An ORM filter on a column (`Column::OrgId.eq(x)`, diesel `org_id.eq(x)`).
    QueryFilter,
    CacheKey,
    StorageKey,
    /// A struct, task-local or request extension that carries the tenant to later code.
    TenantContext,
    /// What a custom extractor hands to handlers.
    ExtractorOutput,
    /// An argument of a workspace function whose parameter reaches one of the above.
    Call,
}

/// One use of a tracked value.
#[derive(Clone, Debug)]
pub struct Use {
    pub origin: Origin,
    pub span: Span,
    pub kind: SinkKind,
    /// For messages: "SQL bind", "argument of `load_docs`, which binds it in SQL".
    pub detail: String,
    /// The use at the end of the calls: for a [`SinkKind::Call`], what the callee (or one it
    /// calls) does with the value ("SQL bind parameter"); else the same as `detail`.
    pub sink: String,
    /// For a [`SinkKind::Call`], the function called.
    pub via: Option<String>,
}

impl Use {
    /// What a caller's message says of this use: the first call and the use at the end, the
    /// calls in between left out, so that summaries stay the same size however deep (or
    /// recursive) the calls go.
    pub fn short(&self) -> String {
        match &self.via {
            Some(f) => format!("an argument of `{f}`, which uses it as {}", self.sink),
            None => self.sink.clone(),
        }
    }
}

/// A comparison or authorization call that checks a value against the verified identity.
#[derive(Clone, Debug)]
pub struct Check {
    pub origin: Origin,
    pub span: Span,
    /// The check is only that the value is passed to a call together with the verified
    /// identity (`load(&claims, org_id)`), whatever the callee does with them.
    pub called_with_identity: bool,
    /// The check is only the callee's name (`is_member`), with no code to judge it by.
    pub by_name: bool,
    /// The check is made by the impls of a trait that check; the others always allow
    /// (`Ok(())` whatever they are given), so a deployment that installs one has no check.
    pub switchable: bool,
}

/// A field of a struct literal set from a tracked value: the value a method of the type reads
/// as `self.field` may be that one.
#[derive(Clone, Debug)]
pub struct FieldInit {
    /// The struct's type name (`Self` resolved to the impl's type).
    pub ty: String,
    pub field: String,
    pub origin: Origin,
    /// The value set.
    pub span: Span,
}

/// A request-derived tenant identifier that falls back to a constant (`unwrap_or_default()`).
#[derive(Clone, Debug)]
pub struct FailOpen {
    pub span: Span,
    pub what: String,
    /// The value after the fallback: the client input's origin, or [`Origin::Fallback`] for a
    /// tenant of the verified identity. Whether it reaches a use is [`FnFlow::reaches`].
    pub origin: Origin,
    /// A test that holds for the fallback value stops the function before the value reaches
    /// any use (`let p = h.to_str().unwrap_or_default(); if p.is_empty() { return Err(..) }`):
    /// no request goes on in the fallback tenant.
    pub rejected: bool,
}

/// The value a fail-open fallback puts in, as far as a test that rejects it needs to know.
#[derive(Debug)]
enum FallbackValue {
    /// The type's default or nil value (`unwrap_or_default()`, `Uuid::nil()`): empty.
    Empty,
    /// A string literal (`unwrap_or("default")`).
    Str(String),
}

/// A fallback recorded in [`FnFlow::fail_open`], while the function is evaluated: which one,
/// its value, and how many uses were recorded when it was made (a test after a use is late).
struct PendingFallback {
    index: usize,
    value: FallbackValue,
    uses: usize,
}

/// The request-derived values of one function and where they flow.
#[derive(Clone, Debug)]
pub struct FnFlow {
    pub function: FnId,
    pub sources: Vec<RequestSource>,
    pub uses: Vec<Use>,
    pub checks: Vec<Check>,
    pub fail_open: Vec<FailOpen>,
    /// What the function returns derives from these.
    pub returns: Vec<Origin>,
    /// It returns the verified identity (claims a token decoder checked, a trusted value).
    pub returns_identity: bool,
    /// A `let` of it binds the verified identity (`let Ok(claims) = decode(token) else { .. }`).
    pub binds_identity: bool,
    /// Parameters (by index) that the function binds where SQL compares or inserts a tenant
    /// column: the caller's value is a tenant id, whatever it is called.
    pub tenant_params: Vec<u32>,
    /// A parameter whose extractor verifies the request's tenant itself (configured in
    /// `tenant-verifiers`, or a workspace extractor inferred to check membership).
    pub verifying_extractor: Option<Span>,
    /// A parameter whose extractor is an authentication extractor (its type carries the
    /// identity) that reads the request path, without a check of the path's tenant seen.
    pub identity_path_extractor: Option<Span>,
    /// The first parameter that carries the verified identity.
    pub trusted_param: Option<Span>,
    /// Every parameter that carries the verified identity: of a trusted type, or of a
    /// workspace extractor whose code returns the identity a verifier checked.
    pub identity_params: Vec<Span>,
    /// A call that restricts the function to instance administrators (`require_super_admin`),
    /// who may act on any tenant.
    pub admin_gate: Option<Span>,
    /// A parameter whose extractor is an administrator guard by its name only (`AdminToken`)
    /// and reads no tenant: a gate only under `trust-admin-named-guards`.
    pub admin_named_guard: Option<Span>,
    /// The client inputs the function's extractors checked (header, path): the same input
    /// read again here is checked.
    pub extractor_verified: Vec<(InputKind, String)>,
    /// A signature check of the request (an HMAC of the body compared with a header) that
    /// stops the function on failure: the sender holds the secret, so the tenants the request
    /// names are addresses, not claims.
    pub signature_check: Option<Span>,
    /// The workspace puts a verifying extractor in front of some routes as a layer
    /// (`route_layer(from_extractor::<OrgMember>())`), not necessarily this function's.
    pub verified_by_layer: bool,
    /// This handler is registered by a function that installs a verifying extractor as a
    /// layer, or by a router-building function it calls.
    pub guarded_by_layer: bool,
    /// This handler is registered by a function that installs, as a layer, middleware that
    /// checks a segment of the request path (`layer(from_fn(org_access))`), or by a
    /// router-building function it calls. Which segment the middleware checks is not followed.
    pub path_guarded_by_layer: bool,
    /// This handler is registered under a route layer of an authentication extractor that
    /// reads the request path without a check of the path's tenant seen (as
    /// [`FnFlow::identity_path_extractor`], for the routes of that layer).
    pub identity_path_layer: bool,
    /// Extractor types this function installs as route layers (`from_extractor::<T>()`).
    pub layer_guards: Vec<String>,
    /// The workspace types this evaluation looked up in the index's type tables (extractors,
    /// checked fields, object types, credential objects), found or not: the fixpoint
    /// evaluates the function again when one of their entries changes.
    pub type_lookups: Vec<String>,
    /// The function runs a workspace extractor that reads the request's tenant
    /// (`OrgHeaders::from_request(req)` inside another extractor).
    pub runs_tenant_extractor: bool,
    /// The function reads the request path, itself or through a workspace helper.
    pub reads_path: bool,
    /// The fields of `self` the method reads, by [`Origin::SelfField`] index.
    pub self_fields: Vec<String>,
    /// The tenant-named fields of parameters the function reads, by [`Origin::ParamField`]
    /// index: (parameter, field).
    pub param_fields: Vec<(u32, String)>,
    /// The fields of struct literals set from tracked values (`Cmd { id: path.id }`).
    pub field_inits: Vec<FieldInit>,
    /// Parameters the function calls as functions, with another parameter as an argument:
    /// (the called parameter, the argument's position, the parameter passed there). A
    /// wrapper that authenticates and then runs the closure it was given with the payload it
    /// was given (`wrap(payload, |auth, req| core(req))`).
    pub callbacks: Vec<(u32, u32, u32)>,
    /// A workspace function it calls reads a client tenant and checks it (an extractor's
    /// helper that verifies the workspace named in the path).
    pub calls_tenant_checker: bool,
    /// Parameters (by index) the body reads.
    pub read_params: Vec<u32>,
    /// A workspace function it calls reads a segment of the request path and checks it.
    pub calls_path_checker: bool,
    /// A client input the function compares with a literal (`if org != "_meta" { return .. }`):
    /// it serves one fixed tenant, an operator's, that acts on others.
    pub pinned_tenant: Option<Origin>,
    /// The function reads the request but is no entry point: the workspace registers its
    /// routes where the analysis reads them and nothing registers, calls or names this one
    /// ([`http::is_unregistered`]).
    pub unregistered: bool,
    /// The request is authenticated only by instance-wide credential objects
    /// ([`FlowIndex::credential_objects`]): the first one the function names.
    pub operator_credential: Option<Span>,
}

impl FnFlow {
    pub fn source(&self, origin: Origin) -> Option<&RequestSource> {
        match origin {
            Origin::Source(i) => self.sources.get(i as usize),
            Origin::Param(_)
            | Origin::SelfField(_)
            | Origin::Fallback(_)
            | Origin::ParamField(_) => None,
        }
    }

    /// The parameter a value is, or is a tenant field of.
    pub fn param_of(&self, origin: Origin) -> Option<u32> {
        match origin {
            Origin::Param(i) => Some(i),
            Origin::ParamField(k) => self.param_fields.get(k as usize).map(|(i, _)| *i),
            Origin::Source(_) | Origin::SelfField(_) | Origin::Fallback(_) => None,
        }
    }

    /// Whether a value is checked against the verified identity somewhere in the function:
    /// itself, another read of the same input, an instance-administrator gate, or, for the
    /// tenant named in the URL, a verifying extractor. Only checks the code performs count.
    pub fn is_checked(&self, origin: Origin) -> bool {
        self.is_checked_by(origin, |c| !c.called_with_identity, false)
    }

    /// [`FnFlow::is_checked`] with the checks `accept` takes, and with `url_verified` when
    /// the caller takes a tenant in the URL as verified by other means.
    pub fn is_checked_by(
        &self,
        origin: Origin,
        accept: impl Fn(&Check) -> bool,
        url_verified: bool,
    ) -> bool {
        if self.checks.iter().any(|c| c.origin == origin && accept(c)) {
            return true;
        }
        let Some(src) = self.source(origin) else {
            return false;
        };
        let in_url = matches!(src.kind, InputKind::PathParam | InputKind::Query);
        self.admin_gate.is_some()
            || self.signature_check.is_some()
            || (in_url
                && (self.verifying_extractor.is_some() || self.guarded_by_layer || url_verified))
            || self
                .extractor_verified
                .iter()
                .any(|(kind, name)| *kind == src.kind && *name == src.name)
            || self.checks.iter().any(|c| {
                accept(c)
                    && self
                        .source(c.origin)
                        .is_some_and(|s| s.kind == src.kind && s.name == src.name)
            })
    }

    /// Whether the function checks one of its request inputs that `which` picks.
    fn checks_a_source(&self, which: impl Fn(&RequestSource) -> bool) -> bool {
        (0..self.sources.len() as u32)
            .map(Origin::Source)
            .any(|o| self.source(o).is_some_and(&which) && self.is_checked(o))
    }

    /// Whether a value reaches a use in this function or is returned to its callers.
    pub fn reaches(&self, origin: Origin) -> bool {
        self.returns.contains(&origin) || self.uses.iter().any(|u| u.origin == origin)
    }

    /// Client-supplied tenant identifiers that reach a use and that `is_checked` does not
    /// clear, with their uses (the rule says which checks count).
    pub fn tenant_uses_unless(
        &self,
        is_checked: impl Fn(Origin) -> bool,
    ) -> Vec<(&RequestSource, Vec<&Use>)> {
        (0..self.sources.len() as u32)
            .map(Origin::Source)
            .filter_map(|o| {
                let src = self.source(o)?;
                if !src.tenant || is_checked(o) {
                    return None;
                }
                let uses = self.uses_of(o);
                (!uses.is_empty()).then_some((src, uses))
            })
            .collect()
    }

    /// The uses of one value, one per place.
    pub fn uses_of(&self, origin: Origin) -> Vec<&Use> {
        let mut out: Vec<&Use> = Vec::new();
        for u in self.uses.iter().filter(|u| u.origin == origin) {
            if !out.iter().any(|o| o.span == u.span) {
                out.push(u);
            }
        }
        out
    }
}

/// What callers need to know about a workspace function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FnSummary {
    /// The type of the `impl` block the function is in.
    pub owner: Option<String>,
    pub has_self: bool,
    /// Its body is only a constant success (`Ok(())`, `true`): an impl that allows anything.
    pub always_allows: bool,
    /// Per parameter (`self` not counted): the use it reaches without a check ([`Use::short`]).
    pub param_uses: Vec<Option<String>>,
    /// Per parameter: the use at the end of the calls ([`Use::sink`]).
    pub param_sinks: Vec<Option<String>>,
    /// Per parameter: a tenant-named field of it that reaches a use without a check (the
    /// tenant inside a request struct), with [`Use::short`] and [`Use::sink`] of that use.
    pub param_field_uses: Vec<Option<FieldUse>>,
    /// The fields of `self` that reach a use without a check: what a method does with the
    /// receiver's fields (`req.to_row()` inserting `self.org_id`).
    pub self_field_uses: Vec<FieldUse>,
    /// [`FnFlow::callbacks`].
    pub callbacks: Vec<(u32, u32, u32)>,
    /// Per parameter: whether the function checks it against something else.
    pub param_checked: Vec<bool>,
    /// Per parameter: the function's name says it checks access (`check_permissions`) and it
    /// reads the parameter, which may reach a check the analysis cannot read (a library's);
    /// a stub that ignores the parameter checks nothing whatever its name.
    /// Honoured under `trust-verifier-names`.
    pub param_named_check: Vec<bool>,
    pub param_returned: Vec<bool>,
    /// It returns the verified identity.
    pub returns_identity: bool,
    /// Per parameter: it reaches a SQL bind at a tenant column.
    pub param_tenant: Vec<bool>,
    /// A client input the function reads and returns unchecked: (kind, name, tenant).
    pub returns_client: Option<(InputKind, String, bool)>,
    pub reads_path: bool,
    /// The fields of `self` the method checks against something else (an auth object that
    /// compares the tenant it was built with against the token).
    pub checked_fields: Vec<String>,
    /// It reads a client tenant or a segment of the request path and checks it, itself or
    /// through a function it calls.
    pub checks_read_tenant: bool,
    /// It verifies the request's signature and fails (or answers no) when it is wrong.
    pub verifies_signature: bool,
    /// It reads a segment of the request path and checks it, itself or through a function it
    /// calls (middleware that verifies the tenant the URL names).
    pub checks_path: bool,
}

/// A field of a parameter or of `self` that reaches a use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldUse {
    pub field: String,
    /// [`Use::short`] of the use.
    pub short: String,
    /// [`Use::sink`] of the use.
    pub sink: String,
}

/// What a custom extractor does with the request's tenant.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ExtractorFacts {
    /// It reads a client-supplied tenant.
    pub reads_tenant: bool,
    /// It checks that tenant against the verified identity.
    pub verifies: bool,
    /// The client inputs it checks itself: a handler behind it may use the same input (the
    /// header it checked), and only a URL input it checked clears the URL's tenant.
    pub verified_inputs: Vec<(InputKind, String)>,
    /// It checks the tenant through another extractor or a helper: which input is not known.
    pub verifies_by_delegate: bool,
    /// It restricts the request to instance administrators by what its code does (an
    /// administrator gate, a role of no particular tenant) and reads no tenant.
    pub admin_gate: bool,
    /// Its type carries the identity and it reads the request path, but no check of the
    /// path's tenant is seen.
    pub identity_reads_path: bool,
    /// It verifies the request's signature and rejects the request when it is wrong.
    pub verifies_signature: bool,
    /// It obtains the identity a verifier checked (a decoded token's claims) and yields it or
    /// what it built from it.
    pub authenticates: bool,
}

/// Summaries of the workspace's functions, and its custom extractors by type name.
#[derive(Debug, Default, PartialEq)]
pub struct FlowIndex {
    /// Every function's summary, by the function: calls apply the summaries of the functions
    /// the call graph resolves them to.
    pub by_fn: HashMap<FnRef, FnSummary>,
    /// The same summaries by function name (same-named functions of different modules and
    /// impls side by side), for callers that only know a name.
    pub functions: HashMap<String, Vec<FnSummary>>,
    pub extractors: HashMap<String, ExtractorFacts>,
    /// Per workspace type, the fields some method of it checks: a value put into such a field
    /// (`OrgFromRoute { org_id }`, `ApiKeyForOrg(org_id)`) is checked by the object.
    pub checked_fields: HashMap<String, Vec<String>>,
    /// Workspace types with methods that take `self`.
    pub object_types: HashSet<String>,
    /// Workspace types with a method that authenticates a request (takes the request, checks
    /// a value, or yields the verified identity), and whether each is an instance-wide
    /// credential: every such method checks a request input, yields no principal (its data
    /// is `()`), and reads no tenant and no field of `self` (an operator key compared with
    /// the configured one).
    pub credential_objects: HashMap<String, bool>,
    /// A verifying extractor guards routes as a layer somewhere in the workspace. Which routes
    /// it guards is not followed, so every handler is taken as guarded: a missed bug is
    /// cheaper than a linter that cries wolf on every handler of a layered app.
    pub layer_verified: bool,
    /// Handlers registered by a function that installs a verifying extractor as a layer, or
    /// by a function it calls (nested routers), within [`ROUTER_DEPTH`] calls.
    pub layer_guarded: HashSet<FnRef>,
    /// Handlers registered, in the same way, under a layer of an authentication extractor
    /// that reads the path with no check of its tenant seen.
    pub layer_identity_path: HashSet<FnRef>,
    /// Handlers registered, in the same way, under middleware that checks a segment of the
    /// request path ([`FnSummary::checks_path`]).
    pub layer_path_guarded: HashSet<FnRef>,
}

/// How deep router-building functions nest (`app()` → `api_routes()` → `org_routes()`).
const ROUTER_DEPTH: usize = 4;

/// Rounds of the summary fixpoint: a round re-evaluates the functions whose callees' summaries
/// changed in the previous one, so each round follows values one call deeper. Helpers nested
/// deeper than this, and summaries of recursive functions still changing then, are not followed
/// further (their last summaries are used).
const MAX_ROUNDS: usize = 12;

/// Computes the workspace's function summaries to a fixpoint over the call graph, then every
/// file's flows (indexed like `files`).
pub fn analyze(files: &[AnalyzedFile], ws: &Workspace) -> (FlowIndex, Vec<Vec<FnFlow>>) {
    let sinks: Vec<&FileSinks> = files.par_iter().map(sinks_of).collect();
    let empty = FlowIndex::default();
    let mut flows: Vec<Vec<FnFlow>> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| file_flows_with(i, f, ws, &empty, sinks[i]))
        .collect();
    let mut index = summarize(files, &flows, ws);
    let mut dirty = dirty_after(&empty, &index, &flows, ws);
    for _ in 1..MAX_ROUNDS {
        if dirty.as_ref().is_some_and(HashSet::is_empty) {
            break;
        }
        flows
            .par_iter_mut()
            .enumerate()
            .for_each(|(i, file_flows)| {
                let Some(rust) = &files[i].rust else { return };
                for flow in file_flows.iter_mut() {
                    let r = FnRef {
                        file: i,
                        func: flow.function,
                    };
                    if dirty.as_ref().is_none_or(|d| d.contains(&r)) {
                        *flow = probed_flow(
                            i,
                            rust,
                            ws,
                            &index,
                            sinks[i],
                            flow.function,
                            &files[i],
                            None,
                        )
                        .0;
                    }
                }
            });
        let next = summarize(files, &flows, ws);
        dirty = dirty_after(&index, &next, &flows, ws);
        index = next;
    }
    (index, flows)
}

/// A result type whose data is the unit type: `Result<(), E>`, `Result<((), Kind), E>`.
fn yields_unit(t: &Ty) -> bool {
    match t {
        Ty::Tuple(ts) => ts.first().is_none_or(yields_unit),
        Ty::Path(p) => p.generics.first().is_some_and(yields_unit),
        _ => false,
    }
}

/// The functions to re-evaluate after the summaries went from `before` to `after`: the callers
/// (by call-graph edges, functions handed to calls included) of every function whose summary
/// changed, and the functions that looked up a type whose entry in the type tables changed
/// ([`FnFlow::type_lookups`]), and the handlers that came under a layer or left one; `None`
/// (all of them) when [`FlowIndex::layer_verified`], which every function reads, changed.
fn dirty_after(
    before: &FlowIndex,
    after: &FlowIndex,
    flows: &[Vec<FnFlow>],
    ws: &Workspace,
) -> Option<HashSet<FnRef>> {
    if before.layer_verified != after.layer_verified {
        return None;
    }
    let mut changed_types: HashSet<&str> = changed_keys(&before.extractors, &after.extractors);
    changed_types.extend(changed_keys(&before.checked_fields, &after.checked_fields));
    changed_types.extend(changed_keys(
        &before.credential_objects,
        &after.credential_objects,
    ));
    changed_types.extend(
        before
            .object_types
            .symmetric_difference(&after.object_types)
            .map(String::as_str),
    );
    let mut dirty: HashSet<FnRef> = [
        (&before.layer_guarded, &after.layer_guarded),
        (&before.layer_identity_path, &after.layer_identity_path),
        (&before.layer_path_guarded, &after.layer_path_guarded),
    ]
    .into_iter()
    .flat_map(|(b, a)| b.symmetric_difference(a).copied())
    .collect();
    if !changed_types.is_empty() {
        for (file, file_flows) in flows.iter().enumerate() {
            let looked_up = |f: &&FnFlow| {
                f.type_lookups
                    .iter()
                    .any(|t| changed_types.contains(t.as_str()))
            };
            dirty.extend(file_flows.iter().filter(looked_up).map(|f| FnRef {
                file,
                func: f.function,
            }));
        }
    }
    for (f, s) in &after.by_fn {
        if before.by_fn.get(f) != Some(s) {
            dirty.extend(ws.call_graph.callers(*f).map(|e| e.caller));
        }
    }
    Some(dirty)
}

/// The keys whose entries differ between two tables, present in either.
fn changed_keys<'a, V: PartialEq>(
    before: &'a HashMap<String, V>,
    after: &'a HashMap<String, V>,
) -> HashSet<&'a str> {
    let new = after.keys().filter(|k| !before.contains_key(*k));
    before
        .keys()
        .chain(new)
        .filter(|k| before.get(*k) != after.get(*k))
        .map(String::as_str)
        .collect()
}

/// Whether a function's body is only a constant success (`Ok(())`, `Ok(true)`, `true`, `()`)
/// or empty: whatever it is given, it allows.
pub(crate) fn always_allows(rust: &RustFile, f: &Function) -> bool {
    fn success(rust: &RustFile, e: ExprId) -> bool {
        match &rust.expr(rust.strip(e)).kind {
            ExprKind::Tuple(items) => items.is_empty(),
            ExprKind::Lit(Lit::Bool(b)) => *b,
            ExprKind::Call { func, args } => {
                matches!(&rust.expr(*func).kind, ExprKind::Path(p) if p.last() == "Ok")
                    && matches!(args.as_slice(), [a] if success(rust, *a))
            }
            _ => false,
        }
    }
    match f.body.stmts.as_slice() {
        [] => true,
        [Stmt::Expr { expr, semi: false }] => success(rust, *expr),
        _ => false,
    }
}

fn summarize(files: &[AnalyzedFile], flows: &[Vec<FnFlow>], ws: &Workspace) -> FlowIndex {
    let mut index = FlowIndex::default();
    for (file_index, (file, flows)) in files.iter().zip(flows).enumerate() {
        let Some(rust) = &file.rust else { continue };
        for flow in flows {
            let f = rust.function(flow.function);
            let has_self = rust.has_self(f);
            let arity = f.params.len() - usize::from(has_self);
            let param = |i: usize| Origin::Param(i as u32);
            // A tenant field of a parameter is the parameter for what callers knew before
            // fields were told apart: checking it checks the parameter, using it uses it.
            let of_param = |i: usize| {
                let fields = (0..flow.param_fields.len() as u32)
                    .map(Origin::ParamField)
                    .filter(move |o| flow.param_of(*o) == Some(i as u32));
                std::iter::once(param(i)).chain(fields)
            };
            let param_checked = |i: usize| of_param(i).any(|o| flow.is_checked(o));
            let param_use = |i: usize| {
                (!param_checked(i))
                    .then(|| of_param(i).find_map(|o| flow.uses.iter().find(|u| u.origin == o)))
                    .flatten()
            };
            let mut returned: Vec<&RequestSource> = flow
                .returns
                .iter()
                .filter(|o| !flow.is_checked(**o))
                .filter_map(|o| flow.source(*o))
                .collect();
            returned.sort_by_key(|s| !s.tenant);
            let returns_client = returned.first().map(|s| (s.kind, s.name.clone(), s.tenant));
            let summary = FnSummary {
                owner: f.owner.as_ref().map(|o| o.self_ty.name().to_string()),
                has_self,
                always_allows: always_allows(rust, f),
                param_uses: (0..arity).map(|i| param_use(i).map(Use::short)).collect(),
                param_sinks: (0..arity)
                    .map(|i| param_use(i).map(|u| u.sink.clone()))
                    .collect(),
                param_field_uses: (0..arity)
                    .map(|i| {
                        if param_checked(i) {
                            return None;
                        }
                        of_param(i).skip(1).find_map(|o| {
                            let Origin::ParamField(k) = o else {
                                return None;
                            };
                            let u = flow.uses.iter().find(|u| u.origin == o)?;
                            Some(FieldUse {
                                field: flow.param_fields.get(k as usize)?.1.clone(),
                                short: u.short(),
                                sink: u.sink.clone(),
                            })
                        })
                    })
                    .collect(),
                self_field_uses: (0..flow.self_fields.len() as u32)
                    .filter_map(|k| {
                        let u = first_unchecked_use(flow, Origin::SelfField(k))?;
                        Some(FieldUse {
                            field: flow.self_fields[k as usize].clone(),
                            short: u.short(),
                            sink: u.sink.clone(),
                        })
                    })
                    .collect(),
                callbacks: flow.callbacks.clone(),
                param_checked: (0..arity)
                    .map(|i| {
                        param_checked(i)
                            || http::is_configured_verifier(
                                std::slice::from_ref(&f.name.name),
                                &ws.config,
                            )
                    })
                    .collect(),
                param_named_check: (0..arity)
                    .map(|i| {
                        http::has_verifier_words(&f.name.name)
                            && flow.read_params.contains(&(i as u32))
                    })
                    .collect(),
                param_returned: (0..arity)
                    .map(|i| {
                        flow.returns
                            .iter()
                            .any(|o| flow.param_of(*o) == Some(i as u32))
                    })
                    .collect(),
                returns_identity: flow.returns_identity,
                param_tenant: (0..arity as u32)
                    .map(|i| flow.tenant_params.contains(&i))
                    .collect(),
                returns_client,
                reads_path: flow.reads_path,
                checks_read_tenant: flow.calls_tenant_checker
                    || flow.checks_a_source(|s| s.tenant || s.kind == InputKind::PathParam),
                verifies_signature: flow.signature_check.is_some(),
                checks_path: flow.calls_path_checker
                    || flow.checks_a_source(|s| s.kind == InputKind::PathParam),
                checked_fields: (0..flow.self_fields.len() as u32)
                    .filter(|i| flow.is_checked(Origin::SelfField(*i)))
                    .map(|i| flow.self_fields[i as usize].clone())
                    .collect(),
            };
            if let (Some(owner), true) = (&summary.owner, has_self) {
                index.object_types.insert(owner.clone());
                let checks_request = flow
                    .checks
                    .iter()
                    .any(|c| matches!(c.origin, Origin::Source(_)));
                let reads_request = f.params.iter().any(|p| {
                    matches!(
                        http::param_role(&p.ty, &ws.config),
                        Some(ParamRole::Carrier(_))
                    )
                });
                if reads_request || !flow.checks.is_empty() || flow.returns_identity {
                    let instance_wide = checks_request
                        && !flow.sources.iter().any(|s| s.tenant)
                        && flow.self_fields.is_empty()
                        && f.ret.as_ref().is_some_and(yields_unit);
                    let e = index
                        .credential_objects
                        .entry(owner.clone())
                        .or_insert(true);
                    *e &= instance_wide;
                }
            }
            if let Some(owner) = &summary.owner {
                let fields = index.checked_fields.entry(owner.clone()).or_default();
                for f in &summary.checked_fields {
                    if !fields.contains(f) {
                        fields.push(f.clone());
                    }
                }
            }
            if let Some(ty) = http::extractor_type(f) {
                let tenant_sources: Vec<Origin> = (0..flow.sources.len() as u32)
                    .map(Origin::Source)
                    .filter(|o| flow.source(*o).is_some_and(|s| s.tenant))
                    .collect();
                let facts = index.extractors.entry(ty.to_string()).or_default();
                facts.reads_tenant |= !tenant_sources.is_empty() || flow.runs_tenant_extractor;
                // An authentication extractor that reads the path resolves the tenant named
                // there and authenticates the principal for it (`/w/{workspace}/...` APIs).
                let identity = f
                    .owner
                    .as_ref()
                    .is_some_and(|o| http::is_trusted_type(&o.self_ty, &ws.config));
                for o in &tenant_sources {
                    let src = flow.source(*o).filter(|_| flow.is_checked(*o));
                    if let Some(input) = src.map(|s| (s.kind, s.name.clone())) {
                        if !facts.verified_inputs.contains(&input) {
                            facts.verified_inputs.push(input);
                        }
                    }
                }
                facts.verifies_by_delegate |=
                    flow.verifying_extractor.is_some() || flow.calls_tenant_checker;
                facts.verifies |= !facts.verified_inputs.is_empty() || facts.verifies_by_delegate;
                facts.admin_gate |= flow.admin_gate.is_some() && tenant_sources.is_empty();
                facts.identity_reads_path |= identity && flow.reads_path;
                facts.verifies_signature |= flow.signature_check.is_some();
                facts.authenticates |= flow.returns_identity || flow.binds_identity;
            }
            if !implements_std_trait(f) {
                index
                    .functions
                    .entry(f.name.name.clone())
                    .or_default()
                    .push(summary.clone());
            }
            index.by_fn.insert(
                FnRef {
                    file: file_index,
                    func: flow.function,
                },
                summary,
            );
        }
    }
    let graph = &ws.call_graph;
    for (file, flows) in flows.iter().enumerate() {
        for flow in flows {
            let verifying = flow.layer_guards.iter().any(|ty| {
                index.extractors.get(ty).is_some_and(|f| f.verifies)
                    || ws.config.tenant_verifiers.iter().any(|v| v == ty)
            });
            let identity_path = flow.layer_guards.iter().any(|ty| {
                index
                    .extractors
                    .get(ty)
                    .is_some_and(|f| f.identity_reads_path)
            });
            if !verifying && !identity_path {
                continue;
            }
            index.layer_verified |= verifying;
            let installer = FnRef {
                file,
                func: flow.function,
            };
            let handlers = handlers_under(graph, installer);
            if verifying {
                index.layer_guarded.extend(handlers);
            } else {
                index.layer_identity_path.extend(handlers);
            }
        }
    }
    index.layer_path_guarded = path_middleware_routes(&index, ws);
    index
}

/// Handlers registered by a function that installs path-checking middleware as a layer
/// (`layer(from_fn(org_access))` where `org_access` checks a segment of the request path), or
/// by a router-building function it calls within [`ROUTER_DEPTH`] calls.
fn path_middleware_routes(index: &FlowIndex, ws: &Workspace) -> HashSet<FnRef> {
    let graph = &ws.call_graph;
    let installers: HashSet<FnRef> = graph
        .handed_fns()
        .iter()
        .filter(|h| {
            h.receiver_call
                .last()
                .is_some_and(|c| http::is_middleware_registration(c))
                && index.by_fn.get(&h.func).is_some_and(|s| s.checks_path)
        })
        .filter_map(|h| h.caller)
        .collect();
    installers
        .into_iter()
        .flat_map(|installer| handlers_under(graph, installer))
        .collect()
}

/// The route handlers a layer installed by `installer` wraps: those it registers, or a
/// router-building function it calls within [`ROUTER_DEPTH`] calls.
fn handlers_under(graph: &CallGraph, installer: FnRef) -> Vec<FnRef> {
    let routers: HashSet<FnRef> = graph
        .reachable(installer, ROUTER_DEPTH)
        .into_iter()
        .collect();
    graph
        .handed_fns()
        .iter()
        .filter(|h| {
            h.caller.is_some_and(|c| routers.contains(&c))
                && graph.entry(h.func) == Some(EntryKind::Handler)
        })
        .map(|h| h.func)
        .collect()
}

/// The first use of a value the function does not check.
fn first_unchecked_use(flow: &FnFlow, origin: Origin) -> Option<&Use> {
    if flow.is_checked(origin) {
        return None;
    }
    flow.uses.iter().find(|u| u.origin == origin)
}

/// The flows of every function in one file.
pub fn file_flows(
    file_index: usize,
    file: &AnalyzedFile,
    ws: &Workspace,
    index: &FlowIndex,
) -> Vec<FnFlow> {
    file_flows_with(file_index, file, ws, index, sinks_of(file))
}

fn file_flows_with(
    file_index: usize,
    file: &AnalyzedFile,
    ws: &Workspace,
    index: &FlowIndex,
    sinks: &FileSinks,
) -> Vec<FnFlow> {
    let Some(rust) = &file.rust else {
        return Vec::new();
    };
    rust.function_ids()
        .map(|id| probed_flow(file_index, rust, ws, index, sinks, id, file, None).0)
        .collect()
}

/// What the flow pass reads of one file's sinks, indexed once per file so that evaluating a
/// function costs its own size, not the file's.
#[derive(Debug, Default)]
pub struct FileSinks {
    /// SQL binds and text holes, cache and storage keys, by expression.
    by_expr: HashMap<ExprId, (SinkKind, String)>,
    /// The file's SQL sites (indices into `sql_sites`) by the function they are in.
    sites_of_fn: HashMap<FnId, Vec<usize>>,
    /// The SQL sites each bind expression belongs to.
    sites_of_bind: HashMap<ExprId, Vec<usize>>,
}

/// The file's [`FileSinks`], built on first use (after the key sinks, which the request-flow
/// pass reads).
fn sinks_of(file: &AnalyzedFile) -> &FileSinks {
    file.flow_sinks.get_or_init(|| file_sinks(file))
}

fn file_sinks(file: &AnalyzedFile) -> FileSinks {
    let Some(rust) = &file.rust else {
        return FileSinks::default();
    };
    rust.work.charge(file.sql_sites.len() as u64);
    let mut index = FileSinks::default();
    let sinks = &mut index.by_expr;
    for (i, site) in file.sql_sites.iter().enumerate() {
        if let Some(f) = site.function {
            index.sites_of_fn.entry(f).or_default().push(i);
        }
        for b in &site.binds {
            index.sites_of_bind.entry(*b).or_default().push(i);
            sinks.insert(*b, (SinkKind::SqlBind, "SQL bind parameter".into()));
        }
    }
    // Text holes after every bind: an expression that is both keeps its bind kind.
    for (_, expr, _) in file.sql_sites.iter().flat_map(|s| s.text.holes()) {
        if let Some(e) = expr {
            sinks
                .entry(e)
                .or_insert((SinkKind::SqlText, "SQL text".into()));
        }
    }
    // Cache and object-storage keys as keys.rs found them (by the client's type).
    let keys: HashMap<Span, (SinkKind, String)> = file
        .key_sinks
        .iter()
        .filter_map(|k| {
            let kind = match k.family {
                Family::Redis | Family::MemoryCache | Family::CachedFn => SinkKind::CacheKey,
                f if f.is_object_storage() => SinkKind::StorageKey,
                _ => return None,
            };
            Some((
                k.key,
                (kind, format!("a {} key (`{}`)", k.family.name(), k.op)),
            ))
        })
        .collect();
    if !keys.is_empty() {
        rust.work.charge(rust.exprs.len() as u64);
        for (i, e) in rust.exprs.iter().enumerate() {
            if let Some(sink) = keys.get(&e.span) {
                sinks
                    .entry(ExprId(i as u32))
                    .or_insert_with(|| sink.clone());
            }
        }
    }
    index
}

/// What the flow pass knows of the value of `expr` in `function` (after the workspace's
/// summaries are computed), with the function's flow that the value's origins index into.
/// `None` when the expression is not evaluated or carries nothing tracked.
pub fn value_of(
    file_index: usize,
    file: &AnalyzedFile,
    ws: &Workspace,
    function: FnId,
    expr: ExprId,
) -> (Option<Val>, Option<FnFlow>) {
    let Some(rust) = &file.rust else {
        return (None, None);
    };
    let (flow, v) = probed_flow(
        file_index,
        rust,
        ws,
        &ws.flow_index,
        sinks_of(file),
        function,
        file,
        Some(expr),
    );
    (v, Some(flow))
}

/// The flow of one function, with the summaries of `index`, and the value `probe` had.
#[allow(clippy::too_many_arguments)]
fn probed_flow(
    file_index: usize,
    rust: &RustFile,
    ws: &Workspace,
    index: &FlowIndex,
    sinks: &FileSinks,
    id: FnId,
    file: &AnalyzedFile,
    probe: Option<ExprId>,
) -> (FnFlow, Option<Val>) {
    let mut tenant_binds: HashSet<ExprId> = HashSet::new();
    let is_tenant = |c: &str| ws.is_tenant_column(c) || ws.is_tenant_name(c);
    let own_sites = sinks.sites_of_fn.get(&id).into_iter().flatten();
    for site in own_sites.map(|&i| &file.sql_sites[i]) {
        for st in &site.statements {
            for i in crate::facts::sql_util::tenant_placeholders(&st.statement, &is_tenant) {
                tenant_binds.extend(site.binds.get(i));
            }
        }
    }
    let mut ev = Eval {
        evaluated: 0,
        probe: probe.map(|e| (e, None)),
        file_index,
        file: rust,
        ws,
        index,
        sinks,
        tenant_binds,
        env: Bindings::default(),
        seen_binds: HashMap::new(),
        param_names: Vec::new(),
        extractor: http::is_extractor_impl(rust.function(id)),
        display_depth: 0,
        object_checks: Vec::new(),
        bypassed: HashSet::new(),
        object_uses: Vec::new(),
        passed_on: HashSet::new(),
        deciding: HashSet::new(),
        deciding_comparisons: None,
        collected: None,
        bundled_with_identity: HashSet::new(),
        fallbacks: Vec::new(),
        credential_objects: Vec::new(),
        flow: FnFlow {
            function: id,
            sources: Vec::new(),
            uses: Vec::new(),
            checks: Vec::new(),
            fail_open: Vec::new(),
            returns: Vec::new(),
            returns_identity: false,
            binds_identity: false,
            tenant_params: Vec::new(),
            verifying_extractor: None,
            identity_path_extractor: None,
            trusted_param: None,
            identity_params: Vec::new(),
            admin_gate: None,
            admin_named_guard: None,
            extractor_verified: Vec::new(),
            signature_check: None,
            verified_by_layer: index.layer_verified,
            guarded_by_layer: index.layer_guarded.contains(&FnRef {
                file: file_index,
                func: id,
            }),
            path_guarded_by_layer: index.layer_path_guarded.contains(&FnRef {
                file: file_index,
                func: id,
            }),
            identity_path_layer: index.layer_identity_path.contains(&FnRef {
                file: file_index,
                func: id,
            }),
            layer_guards: Vec::new(),
            type_lookups: Vec::new(),
            runs_tenant_extractor: false,
            reads_path: false,
            self_fields: Vec::new(),
            param_fields: Vec::new(),
            field_inits: Vec::new(),
            callbacks: Vec::new(),
            calls_tenant_checker: false,
            read_params: Vec::new(),
            calls_path_checker: false,
            pinned_tenant: None,
            unregistered: false,
            operator_credential: None,
        },
    };
    ev.run(id, file);
    rust.work.charge(ev.evaluated);
    if ev.credential_objects.iter().all(|(_, wide)| *wide) {
        ev.flow.operator_credential = ev.credential_objects.first().map(|(span, _)| *span);
    }
    if !ev.flow.sources.is_empty() || !ev.flow.fail_open.is_empty() {
        ev.flow.unregistered = http::is_unregistered(
            &ws.call_graph,
            FnRef {
                file: file_index,
                func: id,
            },
        );
    }
    (ev.flow, ev.probe.and_then(|(_, v)| v))
}

/// The bindings in scope, innermost last, indexed by name: a body of thousands of `let`s
/// looks a name up without scanning every binding before it.
#[derive(Default)]
struct Bindings {
    entries: Vec<(String, Option<Val>)>,
    /// Each name's positions in `entries`, innermost last.
    by_name: HashMap<String, Vec<usize>>,
}

impl Bindings {
    fn push(&mut self, (name, val): (String, Option<Val>)) {
        self.by_name
            .entry(name.clone())
            .or_default()
            .push(self.entries.len());
        self.entries.push((name, val));
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    /// Drops the bindings past `mark` (a scope that ended).
    fn truncate(&mut self, mark: usize) {
        while self.entries.len() > mark {
            let Some((name, _)) = self.entries.pop() else {
                break;
            };
            if let Some(positions) = self.by_name.get_mut(&name) {
                positions.pop();
                if positions.is_empty() {
                    self.by_name.remove(&name);
                }
            }
        }
    }

    /// What the innermost binding of `name` carries.
    fn get(&self, name: &str) -> Option<Option<Val>> {
        let at = *self.by_name.get(name)?.last()?;
        self.entries.get(at).map(|(_, v)| *v)
    }

    /// `name = value`: the innermost binding of `name` carries `value` from here.
    fn assign(&mut self, name: &str, value: Option<Val>) {
        let Some(&at) = self.by_name.get(name).and_then(|p| p.last()) else {
            return;
        };
        if let Some(slot) = self.entries.get_mut(at) {
            slot.1 = value;
        }
    }
}

/// A tracked value: what the flow pass knows of where an expression's value comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val {
    /// A container of client data: its entries and fields are client values.
    Carrier(InputKind),
    /// A value derived from a client input or a parameter.
    Value(Origin),
    /// Derived from the verified identity.
    Trusted,
    /// The method's `self`: its fields are [`Origin::SelfField`]s.
    SelfObj,
}

struct Eval<'a> {
    /// Expressions evaluated so far (the file's work meter gets them once, at the end).
    evaluated: u64,
    /// The file's index in the workspace (the call graph's file numbering).
    file_index: usize,
    file: &'a RustFile,
    ws: &'a Workspace,
    index: &'a FlowIndex,
    /// SQL binds and text holes, cache and storage keys, by expression.
    sinks: &'a FileSinks,
    /// SQL binds at a tenant column (`WHERE org_id = $2`).
    tenant_binds: HashSet<ExprId>,
    /// Bindings in scope; `None` is a binding that carries nothing tracked.
    env: Bindings,
    /// The values of SQL bind expressions, to recognize membership queries.
    seen_binds: HashMap<ExprId, Option<Val>>,
    param_names: Vec<String>,
    extractor: bool,
    /// Inside a logging or formatting macro: values there are only displayed.
    display_depth: u32,
    /// Indices of the checks that auth objects make of the values put into their fields.
    object_checks: Vec<usize>,
    /// Values given to an auth object that a wrapper may skip (`Wrapper(OrgFromRoute(id))`).
    /// Another object that receives the same value is an alternative strategy for the same
    /// request (API key or JWT, picked at run time), so no object's check of it counts.
    bypassed: HashSet<Origin>,
    /// Indices of the uses that are fields of auth objects which check them: they matter
    /// only when the check is dropped and the value also goes on into the handler's work.
    object_uses: Vec<usize>,
    /// Values handed on as a plain argument (not inside a constructed object) to a call.
    passed_on: HashSet<Origin>,
    /// Library checks (policy engines, signature verifiers) whose denial stops the function.
    deciding: HashSet<ExprId>,
    /// Comparisons whose answer decides whether the function goes on (see
    /// [`crate::facts::decisions`]): only these check the fields of `self`. Found when the
    /// first comparison of such a field needs them.
    deciding_comparisons: Option<HashSet<Span>>,
    /// While a library check's arguments are evaluated: every value they carry, with the
    /// expression that carried it.
    collected: Option<Vec<(Span, Val)>>,
    /// Values put into a policy request together with the verified identity.
    bundled_with_identity: HashSet<Origin>,
    /// The fail-open fallbacks made so far, for the tests that reject them.
    fallbacks: Vec<PendingFallback>,
    /// The credential objects the function names, and whether each is instance-wide.
    credential_objects: Vec<(Span, bool)>,
    flow: FnFlow,
    /// An expression whose value a query asks for, and the value it had (the last time it
    /// was evaluated).
    probe: Option<(ExprId, Option<Val>)>,
}

/// The name of an entry read by position or by a computed name.
const UNNAMED: &str = "?";

/// Methods whose result says something about a value without carrying it.
const PREDICATES: &[&str] = &[
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "is_empty",
    "len",
    "eq",
    "ne",
    "contains",
    "contains_key",
    "starts_with",
    "ends_with",
    "cmp",
    "partial_cmp",
    "matches",
];

/// Calls that convert or wrap a value without changing where it came from.
const CONVERSIONS: &[&str] = &[
    "parse_str",
    "from_str",
    "try_parse",
    "parse",
    "from",
    "try_from",
    "from_string",
    "new",
    "from_slice",
    "to_string",
];

/// Names too common to resolve a method call to a workspace function by name alone.
const STD_METHOD_NAMES: &[&str] = &[
    "get", "insert", "remove", "push", "new", "from", "into", "map", "clone", "len", "iter",
    "contains", "extend", "find", "filter", "send", "call", "run", "execute", "fetch", "build",
];

impl<'a> Eval<'a> {
    /// The summaries of the workspace functions a call site resolves to.
    fn callee_summaries(&self, site: ExprId) -> Vec<&'a FnSummary> {
        let index = self.index;
        self.ws
            .call_graph
            .call_targets(self.file_index, site)
            .filter_map(|e| index.by_fn.get(&e.callee))
            .collect()
    }

    fn run(&mut self, id: FnId, file: &AnalyzedFile) {
        let f = self.file.function(id);
        let route_params = http::route_params(f);
        self.deciding = self.deciding_library_calls();
        let mut index = 0u32;
        for p in &f.params {
            if self.file.is_self_param(p) {
                self.env.push(("self".into(), Some(Val::SelfObj)));
                continue;
            }
            let pos = index;
            index += 1;
            let mut names = Vec::new();
            self.file.bindings(p.pat, &mut names);
            self.param_names
                .push(names.first().map(|(n, _)| n.clone()).unwrap_or_default());
            let ty_name = p.ty.name();
            self.note_type_lookup(ty_name);
            let facts = self.index.extractors.get(ty_name);
            if facts.is_some_and(|f| f.admin_gate && !f.reads_tenant) {
                self.flow.admin_gate.get_or_insert(p.span);
            } else if http::is_admin_guard_type(ty_name) && !facts.is_some_and(|f| f.reads_tenant) {
                self.flow.admin_named_guard.get_or_insert(p.span);
            }
            if let Some(f) = facts.filter(|f| f.verifies && !f.verifies_by_delegate) {
                // What it checked: the same input again, and the URL's tenant only if it
                // checked a URL input (another id in the path is not the one it checked).
                self.flow
                    .extractor_verified
                    .extend(f.verified_inputs.iter().cloned());
                let url = |k: &InputKind| matches!(k, InputKind::PathParam | InputKind::Query);
                if f.verified_inputs.iter().any(|(k, _)| url(k)) {
                    self.flow.verifying_extractor.get_or_insert(p.span);
                }
            } else if facts.is_some_and(|f| f.verifies)
                || http::is_verifier_type(&p.ty, &self.ws.config)
            {
                self.flow.verifying_extractor.get_or_insert(p.span);
            } else if facts.is_some_and(|f| f.identity_reads_path) {
                self.flow.identity_path_extractor.get_or_insert(p.span);
            }
            if facts.is_some_and(|f| f.verifies_signature) {
                self.flow.signature_check.get_or_insert(p.span);
            }
            let role = http::param_role(&p.ty, &self.ws.config);
            if facts.is_some_and(|f| f.authenticates) || role == Some(ParamRole::Trusted) {
                self.flow.identity_params.push(p.span);
            }
            let val = match role {
                Some(ParamRole::Trusted) => {
                    self.flow.trusted_param.get_or_insert(p.span);
                    Some(Val::Trusted)
                }
                Some(ParamRole::Carrier(kind)) => {
                    self.flow.reads_path |= kind == InputKind::PathParam;
                    Some(Val::Carrier(kind))
                }
                Some(ParamRole::TypedHeader(name)) => {
                    let tenant = self.ws.is_tenant_name(&name);
                    Some(self.new_source(p.span, InputKind::Header, name, tenant, None))
                }
                // A workspace extractor: reported in its own impl when it trusts the client.
                None if facts.is_some() => None,
                None => match names
                    .first()
                    .filter(|(n, _)| route_params.iter().any(|r| r == n))
                {
                    Some((name, span)) => {
                        let tenant = self.ws.is_tenant_name(name);
                        Some(self.new_source(
                            *span,
                            InputKind::PathParam,
                            name.clone(),
                            tenant,
                            None,
                        ))
                    }
                    None => Some(Val::Value(Origin::Param(pos))),
                },
            };
            self.bind(p.pat, val);
        }
        let body = &f.body;
        let tail = self.eval_block(body);
        self.record_return(tail, body.span);
        self.membership_checks(file);
        self.drop_bypassed_object_checks();
    }

    /// An object's check of a value that another, skippable, object also received does not
    /// hold on every path: drop it.
    /// A value that only authenticates (it goes into the strategies and nowhere else) leaves
    /// the handler working on the caller's own tenant whichever strategy runs.
    fn drop_bypassed_object_checks(&mut self) {
        let mut i = 0;
        let (objects, bypassed) = (&self.object_checks, &self.bypassed);
        self.flow.checks.retain(|c| {
            let keep = !(objects.contains(&i) && bypassed.contains(&c.origin));
            i += 1;
            keep
        });
        let mut i = 0;
        let (objects, passed_on) = (&self.object_uses, &self.passed_on);
        self.flow.uses.retain(|u| {
            let keep = !objects.contains(&i) || passed_on.contains(&u.origin);
            i += 1;
            keep
        });
    }

    /// Records the values a call receives as plain arguments.
    fn note_passed_on(&mut self, args: &[ExprId], vals: &[Option<Val>]) {
        for (a, v) in args.iter().zip(vals) {
            let constructed = matches!(
                self.file.expr(self.file.strip(*a)).kind,
                ExprKind::Call { .. } | ExprKind::Struct { .. }
            );
            if let (Some(Val::Value(o)), false) = (v, constructed) {
                self.passed_on.insert(*o);
            }
        }
    }

    /// A SQL statement that binds a value together with the principal (a trusted value or a
    /// user-named parameter) is a membership or ownership check of that value.
    fn membership_checks(&mut self, file: &AnalyzedFile) {
        self.membership_filters();
        // Only the sites with a bind this function evaluated can hold a principal, in file
        // order as before.
        let mut sites: Vec<usize> = (self.seen_binds.keys())
            .filter_map(|b| self.sinks.sites_of_bind.get(b))
            .flatten()
            .copied()
            .collect();
        sites.sort_unstable();
        sites.dedup();
        self.evaluated += sites.len() as u64;
        for site in sites.into_iter().map(|i| &file.sql_sites[i]) {
            let vals: Vec<(ExprId, Val)> = site
                .binds
                .iter()
                .filter_map(|b| Some((*b, (*self.seen_binds.get(b)?)?)))
                .collect();
            let principal = vals.iter().any(|(_, v)| match v {
                Val::Trusted => true,
                Val::Value(Origin::Param(i)) => self
                    .param_names
                    .get(*i as usize)
                    .is_some_and(|n| http::is_principal_name(n) && !self.ws.is_tenant_name(n)),
                _ => false,
            });
            if !principal {
                continue;
            }
            for (b, v) in vals {
                if let Val::Value(origin) = v {
                    let span = self.file.expr(b).span;
                    self.flow.checks.push(Check {
                        origin,
                        span,
                        called_with_identity: false,
                        by_name: false,
                        switchable: false,
                    });
                }
            }
        }
    }

    /// A function that filters rows by a principal parameter and by other parameters
    /// (`find_by_user_and_org(user_uuid, org_uuid)`) looks up a membership or ownership:
    /// it checks those other parameters against the principal.
    fn membership_filters(&mut self) {
        let principal = |i: u32| {
            self.param_names
                .get(i as usize)
                .is_some_and(|n| http::is_principal_name(n) && !self.ws.is_tenant_name(n))
        };
        let filtered: Vec<(Origin, Span)> = self
            .flow
            .uses
            .iter()
            .filter(|u| matches!(u.kind, SinkKind::QueryFilter | SinkKind::SqlBind))
            .filter(|u| matches!(u.origin, Origin::Param(_) | Origin::ParamField(_)))
            .map(|u| (u.origin, u.span))
            .collect();
        if !filtered
            .iter()
            .any(|(o, _)| matches!(o, Origin::Param(i) if principal(*i)))
        {
            return;
        }
        for (origin, span) in filtered {
            self.flow.checks.push(Check {
                origin,
                span,
                called_with_identity: false,
                by_name: false,
                switchable: false,
            });
        }
    }

    fn new_source(
        &mut self,
        span: Span,
        kind: InputKind,
        name: String,
        tenant: bool,
        via: Option<String>,
    ) -> Val {
        let i = self.flow.sources.len() as u32;
        self.flow.reads_path |= kind == InputKind::PathParam;
        self.flow.sources.push(RequestSource {
            span,
            kind,
            name,
            tenant,
            via,
        });
        Val::Value(Origin::Source(i))
    }

    fn lookup(&self, name: &str) -> Option<Option<Val>> {
        self.env.get(name)
    }

    fn bind(&mut self, pat: PatId, val: Option<Val>) {
        let p = self.file.pat(pat);
        match &p.kind {
            PatKind::Ident { name, sub } => {
                let tenant_name = self.ws.is_tenant_name(name);
                let v = match val {
                    Some(Val::Carrier(kind)) if tenant_name && kind != InputKind::Request => {
                        Some(self.new_source(p.span, kind, name.clone(), true, None))
                    }
                    // `let org_id = req.param(1)`: an entry read by position is what its
                    // binding says it is.
                    Some(Val::Value(Origin::Source(s)))
                        if tenant_name
                            && self
                                .flow
                                .sources
                                .get(s as usize)
                                .is_some_and(|s| s.name == UNNAMED && s.via.is_none()) =>
                    {
                        let kind = self.flow.sources[s as usize].kind;
                        Some(self.new_source(p.span, kind, name.clone(), true, None))
                    }
                    v => v,
                };
                self.env.push((name.clone(), v));
                if let Some(sub) = sub {
                    self.bind(*sub, val);
                }
            }
            // `match self { Self::Existing(org_id) => .. }`: the variant's fields are fields of
            // `self`.
            PatKind::TupleStruct { elems, .. } if val == Some(Val::SelfObj) => {
                for (i, e) in elems.iter().enumerate() {
                    let v = self.self_field(&i.to_string());
                    self.bind(*e, Some(v));
                }
            }
            PatKind::Tuple(elems) | PatKind::TupleStruct { elems, .. } | PatKind::Or(elems) => {
                for e in elems {
                    self.bind(*e, val);
                }
            }
            PatKind::Struct { fields, .. } => {
                for (field, fp) in fields {
                    let v = match val {
                        Some(Val::Carrier(kind)) if self.ws.is_tenant_name(&field.name) => {
                            Some(self.new_source(field.span, kind, field.name.clone(), true, None))
                        }
                        Some(Val::SelfObj) => Some(self.self_field(&field.name)),
                        Some(Val::Value(Origin::Param(i)))
                            if self.ws.is_tenant_name(&field.name) =>
                        {
                            Some(Val::Value(self.param_field(i, &field.name)))
                        }
                        v => v,
                    };
                    self.bind(*fp, v);
                }
            }
            PatKind::Ref(inner) => self.bind(*inner, val),
            PatKind::Lit(_) | PatKind::Path(_) | PatKind::Wild | PatKind::Rest | PatKind::Other => {
            }
        }
    }

    fn eval_block(&mut self, block: &Block) -> Option<Val> {
        let mark = self.env.len();
        let mut last = None;
        for (i, stmt) in block.stmts.iter().enumerate() {
            last = None;
            match stmt {
                Stmt::Let {
                    pat,
                    init,
                    otherwise,
                    ..
                } => {
                    let v = init.and_then(|e| self.eval(e));
                    self.flow.binds_identity |= v == Some(Val::Trusted);
                    if let Some(o) = otherwise {
                        self.eval_block(o);
                    }
                    self.bind(*pat, v);
                }
                Stmt::Expr { expr, semi } => {
                    let v = self.eval(*expr);
                    if !semi && i + 1 == block.stmts.len() {
                        last = v;
                    }
                }
                Stmt::Item => {}
            }
        }
        self.env.truncate(mark);
        last
    }

    /// The origin of a tracked value at a use; a container used whole becomes a source there.
    fn origin_at(&mut self, val: Option<Val>, expr: ExprId) -> Option<Origin> {
        match val? {
            Val::Value(o) => Some(o),
            Val::Carrier(kind) if kind != InputKind::Request => {
                let name = self
                    .file
                    .as_ident(expr)
                    .unwrap_or("request input")
                    .to_string();
                let tenant = self.ws.is_tenant_name(&name);
                let span = self.file.expr(expr).span;
                match self.new_source(span, kind, name, tenant, None) {
                    Val::Value(o) => Some(o),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn record_use(
        &mut self,
        val: Option<Val>,
        expr: ExprId,
        kind: SinkKind,
        detail: impl Into<String>,
    ) {
        if let Some(origin) = self.origin_at(val, expr) {
            let detail = detail.into();
            self.flow.uses.push(Use {
                origin,
                span: self.file.expr(expr).span,
                kind,
                sink: detail.clone(),
                via: None,
                detail,
            });
        }
    }

    fn record_return(&mut self, val: Option<Val>, span: Span) {
        self.flow.returns_identity |= val == Some(Val::Trusted);
        let Some(Val::Value(origin)) = val else {
            return;
        };
        if !self.flow.returns.contains(&origin) {
            self.flow.returns.push(origin);
        }
        if self.extractor {
            let f = self.file.function(self.flow.function);
            let ty = http::extractor_type(f).unwrap_or("the extractor");
            let detail = format!("the output of extractor `{ty}`, trusted by every handler");
            self.flow.uses.push(Use {
                origin,
                span,
                kind: SinkKind::ExtractorOutput,
                sink: detail.clone(),
                via: None,
                detail,
            });
        }
    }

    /// `a == b`, `a != b`, `assert_eq!(a, b)`: a client or parameter value compared with
    /// something that is neither client-controlled nor a literal.
    fn compare(&mut self, a: (ExprId, Option<Val>), b: (ExprId, Option<Val>), span: Span) {
        for ((_, x), (y_expr, y)) in [(a, b), (b, a)] {
            let Some(Val::Value(origin)) = x else {
                continue;
            };
            let y_client = matches!(
                y,
                Some(Val::Carrier(_)) | Some(Val::Value(Origin::Source(_)))
            ) || y == x;
            let y_literal = matches!(
                self.file.expr(self.file.strip(y_expr)).kind,
                ExprKind::Lit(_)
            );
            if y_literal && matches!(origin, Origin::Source(_)) {
                self.flow.pinned_tenant.get_or_insert(origin);
            }
            // A command object's method that only filters by its field (`.filter(|e| e.id
            // != self.id)`) does not verify what the object was built with.
            if !y_client && !y_literal && self.decides(origin, span) {
                self.flow.checks.push(Check {
                    origin,
                    span,
                    called_with_identity: false,
                    by_name: false,
                    switchable: false,
                });
            }
        }
    }

    fn eval(&mut self, id: ExprId) -> Option<Val> {
        self.evaluated += 1;
        let v = self.eval_kind(id);
        if let Some(i) = v.and_then(|v| match v {
            Val::Value(o) => self.flow.param_of(o),
            _ => None,
        }) {
            if !self.flow.read_params.contains(&i) {
                self.flow.read_params.push(i);
            }
        }
        if let (Some(seen), Some(v)) = (&mut self.collected, v) {
            seen.push((self.file.expr(id).span, v));
        }
        if let Some((target, seen)) = &mut self.probe {
            if *target == id {
                *seen = v;
            }
        }
        self.flow.reads_path |= v == Some(Val::Carrier(InputKind::PathParam));
        if let Some((kind, detail)) = self.sinks.by_expr.get(&id) {
            if *kind == SinkKind::SqlBind {
                self.seen_binds.insert(id, v);
            }
            let uses = self.flow.uses.len();
            self.record_use(v, id, kind.clone(), detail.clone());
            if self.tenant_binds.contains(&id) {
                if let Some(u) = self.flow.uses.get(uses) {
                    let origin = u.origin;
                    self.mark_tenant(origin);
                }
            }
        }
        v
    }

    /// A value used as a tenant id (bound at a tenant column) is one, whatever its name.
    fn mark_tenant(&mut self, origin: Origin) {
        match origin {
            Origin::Source(i) => {
                if let Some(s) = self.flow.sources.get_mut(i as usize) {
                    s.tenant = true;
                }
            }
            Origin::Param(i) if !self.flow.tenant_params.contains(&i) => {
                self.flow.tenant_params.push(i)
            }
            // A tenant field is a tenant id by its name already; the rest of its struct is not.
            _ => {}
        }
    }

    fn eval_kind(&mut self, id: ExprId) -> Option<Val> {
        let file = self.file;
        let e = file.expr(id);
        match &e.kind {
            ExprKind::Lit(_) | ExprKind::Continue | ExprKind::Other => None,
            ExprKind::Path(p) => {
                let local = match p.segments.as_slice() {
                    [name] => self.lookup(name),
                    _ => None,
                };
                if local.is_none() {
                    self.note_credential_object(p.last(), e.span);
                }
                local.flatten()
            }
            ExprKind::Field { base, member } => {
                let b = self.eval(*base);
                self.member(b, &member.name, e.span)
            }
            ExprKind::Index { base, index } => {
                let b = self.eval(*base);
                self.eval(*index);
                match b {
                    Some(Val::Carrier(kind)) => match self.static_name(*index) {
                        Some(name) => {
                            let tenant = self.ws.is_tenant_name(&name);
                            Some(self.new_source(e.span, kind, name, tenant, None))
                        }
                        None => b,
                    },
                    other => other,
                }
            }
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                turbofish,
            } => {
                let check = self.begin_library_check(id);
                let v = self.method_call(id, *receiver, method, turbofish, args);
                if let Some(check) = check {
                    self.end_library_check(id, check, e.span);
                }
                v
            }
            ExprKind::Call { func, args } => {
                let check = self.begin_library_check(id);
                let v = self.call(id, *func, args);
                if let Some(check) = check {
                    self.end_library_check(id, check, e.span);
                }
                v
            }
            ExprKind::Macro(m) => self.macro_call(m),
            ExprKind::Binary { op, lhs, rhs } => {
                let l = self.eval(*lhs);
                let r = self.eval(*rhs);
                match op {
                    BinOp::Eq | BinOp::Ne => {
                        self.compare((*lhs, l), (*rhs, r), e.span);
                        None
                    }
                    BinOp::Add => l.or(r).filter(|v| matches!(v, Val::Value(_))),
                    _ => None,
                }
            }
            ExprKind::Unary { op, expr } => {
                let v = self.eval(*expr);
                (*op == UnOp::Deref).then_some(v).flatten()
            }
            ExprKind::Ref(inner)
            | ExprKind::Try(inner)
            | ExprKind::Await(inner)
            | ExprKind::Cast { expr: inner, .. } => self.eval(*inner),
            ExprKind::Tuple(items) | ExprKind::Array(items) => {
                let mut first = None;
                for i in items {
                    let v = self.eval(*i);
                    if first.is_none() && matches!(v, Some(Val::Value(_))) {
                        first = v;
                    }
                }
                first
            }
            ExprKind::Struct { path, fields, rest } => {
                self.note_credential_object(path.last(), e.span);
                let mut carried = None;
                let context = self.is_context_struct(path);
                // Built only from the verified identity (and constants): it is the identity.
                let (mut trusted, mut untrusted) = (false, false);
                for (name, value) in fields {
                    let v = self.eval(*value);
                    trusted |= v == Some(Val::Trusted);
                    untrusted |= v.is_some() && v != Some(Val::Trusted);
                    if let Some(Val::Value(origin)) = v {
                        self.note_field_init(path, &name.name, origin, *value);
                    }
                    // An auth object's field is still a use: its check may be dropped when
                    // another strategy for the same request can skip it.
                    let by_object = self.checked_by_object(path.last(), &name.name, v, *value);
                    if by_object && !context {
                        continue;
                    }
                    if by_object {
                        self.object_uses.push(self.flow.uses.len());
                    }
                    // A bag of request parts (`RequestInfo { uri: req.uri().clone(), .. }`)
                    // carries the request path on to the code it is handed to.
                    if v == Some(Val::Carrier(InputKind::PathParam)) {
                        carried = carried.or(v);
                    }
                    if self.ws.is_tenant_name(&name.name) && matches!(v, Some(Val::Value(_))) {
                        carried = carried.or(v);
                        if context {
                            self.record_use(
                                v,
                                *value,
                                SinkKind::TenantContext,
                                format!("the `{}` of `{}`", name.name, path.joined()),
                            );
                        }
                    }
                }
                if let Some(r) = rest {
                    untrusted |= self.eval(*r).is_some();
                }
                carried.or((trusted && !untrusted).then_some(Val::Trusted))
            }
            ExprKind::Closure { params, body } => {
                self.closure(params, *body, None);
                None
            }
            ExprKind::Block(b) => self.eval_block(b),
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                let mark = self.env.len();
                self.eval(*cond);
                let t = self.eval_block(then);
                self.env.truncate(mark);
                if crate::facts::decisions::stops(self.file, &self.ws.returning_macros, then) {
                    self.reject_fallbacks(*cond);
                }
                let o = otherwise.and_then(|o| self.eval(o));
                t.or(o)
            }
            ExprKind::Let { pat, expr } => {
                let v = self.eval(*expr);
                self.bind(*pat, v);
                None
            }
            ExprKind::Match { scrutinee, arms } => {
                let s = self.eval(*scrutinee);
                let mut out = None;
                for arm in arms {
                    let mark = self.env.len();
                    self.bind(arm.pat, s);
                    if let Some(g) = arm.guard {
                        self.eval(g);
                    }
                    let v = self.eval(arm.body);
                    out = out.or(v);
                    self.env.truncate(mark);
                }
                out
            }
            ExprKind::Loop { pat, head, body } => {
                let h = head.and_then(|h| self.eval(h));
                let mark = self.env.len();
                if let Some(p) = pat {
                    self.bind(*p, h);
                }
                self.eval_block(body);
                self.env.truncate(mark);
                None
            }
            ExprKind::Return(inner) => {
                let v = inner.and_then(|i| self.eval(i));
                self.record_return(v, e.span);
                None
            }
            ExprKind::Break(inner) => inner.and_then(|i| self.eval(i)),
            ExprKind::Assign { lhs, rhs, .. } => {
                let v = self.eval(*rhs);
                match file.as_ident(*lhs) {
                    Some(name) => {
                        self.env.assign(name, v);
                    }
                    None => {
                        self.eval(*lhs);
                    }
                }
                None
            }
            ExprKind::Range { start, end } => {
                if let Some(s) = start {
                    self.eval(*s);
                }
                if let Some(e) = end {
                    self.eval(*e);
                }
                None
            }
        }
    }

    /// `base.member` for fields and for no-argument methods.
    fn member(&mut self, base: Option<Val>, member: &str, span: Span) -> Option<Val> {
        match base? {
            Val::Carrier(kind) => {
                if http::is_trusted_member(member, &self.ws.config) {
                    return Some(Val::Trusted);
                }
                match http::carrier_step(kind, member) {
                    Some(CarrierStep::Carrier(k)) => Some(Val::Carrier(k)),
                    Some(CarrierStep::Lookup(_)) => Some(Val::Carrier(kind)),
                    None if keeps_container(member) => Some(Val::Carrier(kind)),
                    None => {
                        let tenant = self.ws.is_tenant_name(member);
                        Some(self.new_source(span, kind, member.to_string(), tenant, None))
                    }
                }
            }
            Val::Value(Origin::Source(s)) => {
                let src = self.flow.sources.get(s as usize)?;
                if !src.tenant && self.ws.is_tenant_name(member) {
                    let kind = src.kind;
                    Some(self.new_source(span, kind, member.to_string(), true, None))
                } else {
                    base
                }
            }
            Val::SelfObj => Some(self.self_field(member)),
            Val::Value(Origin::Param(i)) if self.ws.is_tenant_name(member) => {
                Some(Val::Value(self.param_field(i, member)))
            }
            Val::Value(_) | Val::Trusted => base,
        }
    }

    /// `self.member`, by its [`Origin::SelfField`] index.
    /// Whether the call graph resolves a call by its receiver's known type.
    fn resolved_by_type(&self, call: ExprId) -> bool {
        self.ws
            .call_graph
            .call_targets(self.file_index, call)
            .any(|e| e.how == Resolved::ReceiverType)
    }

    fn decides(&mut self, origin: Origin, comparison: Span) -> bool {
        if !matches!(origin, Origin::SelfField(_)) {
            return true;
        }
        if self.deciding_comparisons.is_none() {
            self.deciding_comparisons = Some(self.deciding_comparisons());
        }
        self.deciding_comparisons
            .as_ref()
            .is_some_and(|d| d.contains(&comparison))
    }

    fn deciding_comparisons(&self) -> HashSet<Span> {
        let function = self.file.function(self.flow.function);
        // As a denial by error, a comparison also decides inside a call whose error stops
        // the function (`when(a != b, || Err(..))?`).
        let denial = crate::knowledge::http::authz::Denial::Err;
        crate::facts::decisions::deciding_comparisons(
            self.file,
            function,
            &self.ws.returning_macros,
            denial,
        )
        .into_iter()
        .map(|id| self.file.expr(id).span)
        .collect()
    }

    fn note_field_init(&mut self, path: &Path, field: &str, origin: Origin, value: ExprId) {
        let ty = match path.last() {
            "Self" => match &self.file.function(self.flow.function).owner {
                Some(owner) => owner.self_ty.name().to_string(),
                None => return,
            },
            ty => ty.to_string(),
        };
        self.flow.field_inits.push(FieldInit {
            ty,
            field: field.to_string(),
            origin,
            span: self.file.expr(value).span,
        });
    }

    fn self_field(&mut self, member: &str) -> Val {
        let i = match self.flow.self_fields.iter().position(|f| f == member) {
            Some(i) => i,
            None => {
                self.flow.self_fields.push(member.to_string());
                self.flow.self_fields.len() - 1
            }
        };
        Val::Value(Origin::SelfField(i as u32))
    }

    /// A tenant-named field of parameter `param`, by its [`Origin::ParamField`] index.
    fn param_field(&mut self, param: u32, field: &str) -> Origin {
        let fields = &mut self.flow.param_fields;
        let k = match fields.iter().position(|(p, f)| *p == param && f == field) {
            Some(k) => k,
            None => {
                fields.push((param, field.to_string()));
                fields.len() - 1
            }
        };
        Origin::ParamField(k as u32)
    }

    /// The callbacks of the free functions a call site resolves to with this many arguments:
    /// (closure argument, its parameter, the argument it receives).
    fn callbacks_at(&self, site: ExprId, arity: usize) -> Vec<(u32, u32, u32)> {
        let mut out = Vec::new();
        for s in self.callee_summaries(site) {
            if s.has_self || s.param_uses.len() != arity {
                continue;
            }
            for c in &s.callbacks {
                if !out.contains(c) {
                    out.push(*c);
                }
            }
        }
        out
    }

    fn note_callback(&mut self, c: (u32, u32, u32)) {
        if !self.flow.callbacks.contains(&c) {
            self.flow.callbacks.push(c);
        }
    }

    /// A closure run with a value for each of its parameters.
    fn closure_with(
        &mut self,
        params: &[PatId],
        body: ExprId,
        inputs: &[Option<Val>],
    ) -> Option<Val> {
        let mark = self.env.len();
        for (p, v) in params.iter().zip(inputs) {
            self.bind(*p, *v);
        }
        let v = self.eval(body);
        self.env.truncate(mark);
        v
    }

    fn closure(&mut self, params: &[PatId], body: ExprId, input: Option<Val>) -> Option<Val> {
        let mark = self.env.len();
        for p in params {
            let v = if params.len() == 1 {
                input
            } else {
                // warp hands every filter's value to one closure: only the tenant-named
                // parameter takes the tenant.
                let mut names = Vec::new();
                self.file.bindings(*p, &mut names);
                input.filter(|_| names.iter().any(|(n, _)| self.ws.is_tenant_name(n)))
            };
            self.bind(*p, v);
        }
        let v = self.eval(body);
        self.env.truncate(mark);
        v
    }

    fn method_call(
        &mut self,
        id: ExprId,
        receiver: ExprId,
        method_ident: &Ident,
        turbofish: &[Ty],
        args: &[ExprId],
    ) -> Option<Val> {
        let file = self.file;
        let span = file.expr(id).span;
        let method = method_ident.name.as_str();
        let r = self.eval(receiver);
        let mut arg_vals = Vec::with_capacity(args.len());
        let mut closure_val = None;
        for a in args {
            let v = match &file.expr(*a).kind {
                ExprKind::Closure { params, body } => {
                    let v = self.closure(params, *body, r);
                    closure_val = closure_val.or(v);
                    v
                }
                _ => self.eval(*a),
            };
            arg_vals.push(v);
        }
        if let Some(v) = self.handed_fns(id, receiver, r) {
            closure_val = closure_val.or(Some(v));
        }
        self.note_passed_on(args, &arg_vals);
        self.method_sinks(id, receiver, method, r, args, &arg_vals, span);
        let tail = Span::new(method_ident.span.start as usize, span.end as usize);
        if let Some(fallback) = self.fail_open_call(receiver, method, r, args, tail) {
            return Some(fallback);
        }

        match r {
            Some(Val::Carrier(kind)) => {
                if http::is_trusted_member(method, &self.ws.config) {
                    return Some(Val::Trusted);
                }
                match http::carrier_step(kind, method) {
                    Some(CarrierStep::Carrier(k)) => Some(Val::Carrier(k)),
                    Some(CarrierStep::Lookup(k)) => {
                        let name = args.first().and_then(|a| self.static_name(*a));
                        // `request.param::<OrganizationId>(1)`: the type names the entry.
                        let name = name
                            .or_else(|| turbofish.first().map(|t| t.name().to_string()))
                            .filter(|n| !n.is_empty())
                            .unwrap_or_else(|| UNNAMED.into());
                        let tenant = self.ws.is_tenant_name(&name);
                        Some(self.new_source(span, k, name, tenant, None))
                    }
                    // `query.into(&org_id)` on a type with a workspace `into`: that method runs.
                    None if keeps_container(method) && !self.resolved_by_type(id) => r,
                    // A workspace method of the deserialised request (`body.to_row()`).
                    None => {
                        self.workspace_call(id, method, args, &arg_vals, span, Some((receiver, r)))
                    }
                }
            }
            Some(Val::Value(_)) if PREDICATES.contains(&method) => None,
            // A parameter or a field of `self` holding a workspace object (`repo.find(id)`,
            // `self.store.put(id)`): the methods the call graph resolves run with the
            // arguments.
            Some(Val::Value(_)) => self
                .workspace_call(id, method, args, &arg_vals, span, Some((receiver, r)))
                .or(closure_val)
                .or(r),
            Some(Val::Trusted) => Some(Val::Trusted),
            None | Some(Val::SelfObj) => {
                if matches!(method, "and" | "or" | "unwrap_or" | "or_else" | "zip") {
                    if let Some(v) = arg_vals.iter().flatten().next() {
                        return Some(*v);
                    }
                }
                self.workspace_call(id, method, args, &arg_vals, span, Some((receiver, r)))
            }
        }
    }

    /// Uses that a method call makes of its receiver or arguments, and checks it performs.
    #[allow(clippy::too_many_arguments)]
    fn method_sinks(
        &mut self,
        site: ExprId,
        receiver: ExprId,
        method: &str,
        r: Option<Val>,
        args: &[ExprId],
        arg_vals: &[Option<Val>],
        span: Span,
    ) {
        let file = self.file;
        let first = args.first().copied().zip(arg_vals.first().copied());
        match method {
            "eq" | "ne" | "eq_any" | "is_in" | "is_not_in" => {
                let Some((arg, av)) = first else { return };
                if let ExprKind::Path(p) = &file.expr(file.strip(receiver)).kind {
                    let column = p.segments.len() > 1 || self.lookup(p.last()).is_none();
                    if column {
                        self.record_use(
                            av,
                            arg,
                            SinkKind::QueryFilter,
                            format!("a query filter on `{}`", p.joined()),
                        );
                        return;
                    }
                }
                self.compare((receiver, r), (arg, av), span);
            }
            "scope" | "sync_scope" => {
                // tokio task-locals: `TENANT.scope(tenant_id, fut)`.
                let is_static = matches!(&file.expr(file.strip(receiver)).kind,
                    ExprKind::Path(p) if p.last().chars().all(|c| c.is_ascii_uppercase() || c == '_'));
                if let (true, Some((arg, av))) = (is_static, first) {
                    self.record_use(
                        av,
                        arg,
                        SinkKind::TenantContext,
                        "a task-local tenant context",
                    );
                }
            }
            "insert" if self.chain_has_method(receiver, "extensions_mut") => {
                if let Some((arg, av)) = first {
                    self.record_use(
                        av,
                        arg,
                        SinkKind::TenantContext,
                        "a request extension that handlers trust",
                    );
                }
            }
            _ => {}
        }
        if let Some(how) = self.verifier_by_name(site, &[method.to_string()]) {
            self.verifier_call(args, arg_vals, span, Some(how));
        } else if self.workspace_role_gate(site, args, true) {
            self.flow.admin_gate.get_or_insert(span);
        }
        if http::is_admin_gate(method) {
            self.flow.admin_gate.get_or_insert(span);
        }
    }

    /// A verifier call, or any call that takes a client value together with the verified
    /// identity, checks the client values it takes. One that requires a privileged role or
    /// scope of no particular tenant gates the whole function, like an administrator check.
    fn verifier_call(
        &mut self,
        args: &[ExprId],
        vals: &[Option<Val>],
        span: Span,
        named: Option<verifier_names::ByName>,
    ) {
        let role_gate = args.iter().any(|a| {
            matches!(&self.file.expr(self.file.strip(*a)).kind,
                ExprKind::Path(p) if http::is_role_or_scope(&p.segments))
        });
        if role_gate && !vals.iter().any(|v| matches!(v, Some(Val::Value(_)))) {
            self.flow.admin_gate.get_or_insert(span);
        }
        for (_, v) in args.iter().zip(vals) {
            if let Some(Val::Value(origin)) = v {
                self.flow.checks.push(Check {
                    origin: *origin,
                    span,
                    called_with_identity: named.is_none(),
                    by_name: named == Some(verifier_names::ByName::Words),
                    switchable: false,
                });
            }
        }
    }

    fn call(&mut self, id: ExprId, func: ExprId, args: &[ExprId]) -> Option<Val> {
        let file = self.file;
        let span = file.expr(id).span;
        let mut vals = Vec::with_capacity(args.len());
        let wrapper = match &file.expr(func).kind {
            ExprKind::Path(p) => {
                self.note_type_lookup(p.last());
                self.index.object_types.contains(p.last()).then(|| p.last())
            }
            _ => None,
        };
        let callbacks = self.callbacks_at(id, args.len());
        let mut deferred = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let before = self.flow.checks.len();
            // A closure the callee calls with another argument runs once that one is known.
            if let ExprKind::Closure { params, body } = &file.expr(*a).kind {
                if callbacks.iter().any(|(k, _, _)| *k as usize == i) {
                    deferred.push((i, params, *body));
                    vals.push(None);
                    continue;
                }
            }
            vals.push(self.eval(*a));
            // `Wrapper(OrgFromRoute(org_id))`: the inner object checks the tenant only when
            // it runs, and a wrapper that does not check its field may authenticate otherwise.
            if let Some(w) = wrapper {
                let delegates = self
                    .index
                    .checked_fields
                    .get(w)
                    .is_some_and(|fs| fs.iter().any(|f| *f == i.to_string()));
                if !delegates {
                    let skipped = self.flow.checks.drain(before..).map(|c| c.origin);
                    self.bypassed.extend(skipped);
                    self.object_checks.retain(|&c| c < before);
                }
            }
        }
        for (i, params, body) in deferred {
            let inputs: Vec<Option<Val>> = (0..params.len())
                .map(|j| {
                    callbacks
                        .iter()
                        .find(|(k, p, _)| *k as usize == i && *p as usize == j)
                        .and_then(|(_, _, from)| vals.get(*from as usize).copied().flatten())
                })
                .collect();
            self.closure_with(params, body, &inputs);
        }
        let ExprKind::Path(path) = &file.expr(func).kind else {
            self.eval(func);
            return None;
        };
        self.note_credential_object(path.last(), span);
        if let Some(Some(Val::Value(Origin::Param(k)))) = path
            .segments
            .first()
            .filter(|_| path.segments.len() == 1)
            .and_then(|n| self.lookup(n))
        {
            for (j, v) in vals.iter().enumerate() {
                if let Some(Val::Value(Origin::Param(i))) = v {
                    self.note_callback((k, j as u32, *i));
                }
            }
        }
        if !path.last().starts_with(|c: char| c.is_ascii_uppercase()) {
            self.note_passed_on(args, &vals);
        }
        if crate::knowledge::http::verifiers::is_credential_decoder(&path.segments, &file.uses) {
            return Some(Val::Trusted);
        }
        if path.segments.iter().any(|s| {
            http::is_trusted_type(
                &Ty::Path(Path {
                    segments: vec![s.clone()],
                    generics: Vec::new(),
                }),
                &self.ws.config,
            )
        }) && !path.is_ident("Extension")
        {
            return Some(Val::Trusted);
        }
        // An extractor run by hand inside another one: `Path::<Uuid>::from_request_parts(..)`.
        if let ("from_request_parts" | "from_request", [.., ty, _]) =
            (path.last(), path.segments.as_slice())
        {
            let ty = Ty::Path(Path {
                segments: vec![ty.clone()],
                generics: path.generics.clone(),
            });
            match http::param_role(&ty, &self.ws.config) {
                Some(ParamRole::Carrier(kind)) => return Some(Val::Carrier(kind)),
                Some(ParamRole::Trusted) => return Some(Val::Trusted),
                _ => {}
            }
            self.note_type_lookup(ty.name());
            let facts = self.index.extractors.get(ty.name());
            self.flow.runs_tenant_extractor |= facts.is_some_and(|f| f.reads_tenant);
            let verifies =
                facts.is_some_and(|f| f.verifies) || http::is_verifier_type(&ty, &self.ws.config);
            if verifies {
                self.flow.verifying_extractor.get_or_insert(span);
            } else if facts.is_some_and(|f| f.identity_reads_path) {
                self.flow.identity_path_extractor.get_or_insert(span);
            }
        }
        if matches!(path.last(), "from_extractor" | "from_extractor_with_state") {
            if let Some(ty) = path.generics.first() {
                self.flow.layer_guards.push(ty.name().to_string());
            }
        }
        if http::is_admin_gate(path.last()) {
            self.flow.admin_gate.get_or_insert(span);
        }
        if http::is_warp_header_filter(&path.segments) {
            if let Some(name) = args.first().and_then(|a| self.static_name(*a)) {
                let tenant = self.ws.is_tenant_name(&name);
                return Some(self.new_source(span, InputKind::Header, name, tenant, None));
            }
        }
        let named = self.verifier_by_name(id, &path.segments);
        if named.is_some() || (vals.contains(&Some(Val::Trusted)) && !self.is_context_path(path)) {
            self.verifier_call(args, &vals, span, named);
        }
        if named.is_none() && self.workspace_role_gate(id, args, false) {
            self.flow.admin_gate.get_or_insert(span);
        }
        let last = path.last();
        // `ApiKeyForOrg(org_id)`: a tuple struct whose methods check its fields.
        for (i, (arg, v)) in args.iter().zip(&vals).enumerate() {
            self.checked_by_object(last, &i.to_string(), *v, *arg);
        }
        if crate::knowledge::by_last_two(crate::knowledge::std_moves::VALUE_MOVES, &path.segments)
            .is_some()
        {
            return vals.first().copied().flatten();
        }
        if CONVERSIONS.contains(&last) || last.starts_with(|c: char| c.is_ascii_uppercase()) {
            if let Some(v) = vals
                .iter()
                .flatten()
                .find(|v| !matches!(v, Val::Trusted))
                .copied()
            {
                return Some(v);
            }
            // `Some(claims.user_id)`, `Uuid::parse_str(&claims.sub)`: wrapping or converting
            // keeps the identity.
            if (last == "Some" || last == "Ok" || CONVERSIONS.contains(&last))
                && vals.contains(&Some(Val::Trusted))
            {
                return Some(Val::Trusted);
            }
        }
        self.workspace_call(id, last, args, &vals, span, None)
    }

    /// A call of workspace functions, by the summaries of the functions the call graph resolves
    /// it to: uses and checks of the arguments, and what the result derives from.
    fn workspace_call(
        &mut self,
        site: ExprId,
        name: &str,
        args: &[ExprId],
        vals: &[Option<Val>],
        span: Span,
        receiver: Option<(ExprId, Option<Val>)>,
    ) -> Option<Val> {
        let method = receiver.is_some();
        // A method every library type has (`get`, `insert`, `is_empty`) on a receiver of
        // unknown type is more likely the library's than a workspace one of that name.
        let common = method && (STD_METHOD_NAMES.contains(&name) || PREDICATES.contains(&name));
        let edges: Vec<&Edge> = self
            .ws
            .call_graph
            .call_targets(self.file_index, site)
            .filter(|e| !(common && e.how == Resolved::NameArity))
            .collect();
        let candidates: Vec<&FnSummary> = edges
            .iter()
            .filter_map(|e| self.index.by_fn.get(&e.callee))
            .filter(|s| {
                let shift = usize::from(s.has_self && !method);
                s.param_uses.len() + shift == args.len() && (!method || s.has_self)
            })
            .collect();
        let dispatch = edges.iter().all(|e| e.how == Resolved::TraitImpl);
        if let Some((expr, r)) = receiver {
            // Which impl of a type parameter's bounds runs is the caller's type argument's
            // choice: as uncertain as a guess by name.
            let guessed = edges
                .iter()
                .any(|e| matches!(e.how, Resolved::NameArity | Resolved::BoundImpl));
            self.apply_self_summaries(&candidates, dispatch, guessed, name, expr, r);
        }
        self.apply_summaries(&candidates, dispatch, name, args, vals, span, method)
    }

    /// What a method does with the fields of `self`, applied to its receiver: a field it
    /// uses is a use of the receiver's value (of the tenant field of a request struct, for a
    /// deserialised request or a parameter holding one), a field it checks a check of it.
    /// A method resolved by its name alone (`guessed`: the receiver's type is unknown) may be
    /// a library's: its uses count only where every candidate agrees, its checks not at all.
    fn apply_self_summaries(
        &mut self,
        candidates: &[&FnSummary],
        dispatch: bool,
        guessed: bool,
        name: &str,
        receiver: ExprId,
        r: Option<Val>,
    ) {
        if candidates.is_empty()
            || !matches!(r, Some(Val::Carrier(_) | Val::Value(_) | Val::SelfObj))
        {
            return;
        }
        let span = self.file.expr(receiver).span;
        let has = |s: &FnSummary, f: &str| s.self_field_uses.iter().any(|u| u.field == f);
        let used: Vec<FieldUse> = candidates
            .iter()
            .flat_map(|s| s.self_field_uses.iter())
            .filter(|u| {
                if dispatch {
                    true
                } else {
                    candidates.iter().all(|s| has(s, &u.field))
                }
            })
            .cloned()
            .collect();
        // An auth object's own fields are checked by the objects it builds or delegates to by
        // construction (`OrgFromRoute { org_id: self.0 }`), not by a method call on a field: a
        // wrapper may return before it runs the object it holds.
        let own = matches!(r, Some(Val::SelfObj | Val::Value(Origin::SelfField(_))));
        let checked: Vec<String> = candidates
            .iter()
            .filter(|_| !own && !guessed)
            .flat_map(|s| s.checked_fields.iter())
            .filter(|f| {
                if dispatch {
                    candidates.iter().all(|s| s.checked_fields.contains(f))
                } else {
                    true
                }
            })
            .cloned()
            .collect();
        for field in checked {
            if let Some(origin) = self.field_origin(r, receiver, &field) {
                self.flow.checks.push(Check {
                    origin,
                    span,
                    called_with_identity: false,
                    by_name: false,
                    switchable: false,
                });
            }
        }
        let mut seen: Vec<String> = Vec::new();
        for u in used {
            if seen.contains(&u.field) {
                continue;
            }
            seen.push(u.field.clone());
            let Some(origin) = self.field_origin(r, receiver, &u.field) else {
                continue;
            };
            self.flow.uses.push(Use {
                origin,
                span,
                kind: SinkKind::Call,
                detail: format!(
                    "the receiver of `{name}`, which uses its `{}` as {}",
                    u.field, u.short
                ),
                sink: u.sink,
                via: Some(name.to_string()),
            });
        }
    }

    /// The value of field `field` of a value `v` (the expression `expr`) handed to a callee
    /// whole: a tenant-named field of a deserialised request or of a parameter is a value of
    /// its own (the request's tenant); another field, or a field of any other value, is the
    /// value itself.
    fn field_origin(&mut self, v: Option<Val>, expr: ExprId, field: &str) -> Option<Origin> {
        let tenant = self.ws.is_tenant_name(field);
        let span = self.file.expr(expr).span;
        match v? {
            Val::Carrier(kind) if tenant && kind != InputKind::Request => {
                match self.new_source(span, kind, field.to_string(), true, None) {
                    Val::Value(o) => Some(o),
                    _ => None,
                }
            }
            // A client value need not be the struct itself (`Cipher::new(body.kind)` carries
            // the value of what built it): its fields are not the request's.
            // The parameter itself (`core(req)`, `&req`, `req.clone()`), not a part of it
            // (`core(req.details)`, whose fields are not the parameter's).
            Val::Value(Origin::Param(i))
                if tenant && self.file.as_ident(self.file.strip(expr)).is_some() =>
            {
                Some(self.param_field(i, field))
            }
            Val::Value(Origin::Param(_)) if tenant => None,
            Val::SelfObj => match self.self_field(field) {
                Val::Value(o) => Some(o),
                _ => None,
            },
            v => self.origin_at(Some(v), expr),
        }
    }

    /// Workspace functions handed by name to a combinator (`tenant.map(parse)`,
    /// `ids.iter().for_each(store)`): the combinator calls them with what the receiver holds,
    /// like a closure `|x| parse(x)`. Returns what they give back.
    fn handed_fns(&mut self, site: ExprId, receiver: ExprId, r: Option<Val>) -> Option<Val> {
        r?;
        let graph = &self.ws.call_graph;
        let candidates: Vec<&FnSummary> = graph
            .handed_at(self.file_index, site)
            .filter_map(|e| self.index.by_fn.get(&e.callee))
            .filter(|s| !s.has_self && s.param_uses.len() == 1)
            .collect();
        let name = match graph.handed_at(self.file_index, site).next() {
            Some(e) => self.fn_name(e.callee),
            None => return None,
        };
        let span = self.file.expr(site).span;
        self.apply_summaries(&candidates, false, &name, &[receiver], &[r], span, false)
    }

    /// A workspace function's name, for messages.
    fn fn_name(&self, f: FnRef) -> String {
        if f.file == self.file_index {
            return self.file.function(f.func).name.name.clone();
        }
        self.ws
            .call_graph
            .name_of(f)
            .unwrap_or("a workspace function")
            .to_string()
    }

    /// Applies the summaries of the functions a call may run. When `dispatch`, the call runs
    /// one of them, whichever the receiver is (the impls of a trait method): an argument
    /// reaches a use if some impl uses it, and is checked only if every impl checks it. Else
    /// the candidates stand for one function the resolution could not pick (same name and
    /// arity, a re-export): only what all of them do counts as a use, and a check by any
    /// counts, so that a guess never makes a finding.
    #[allow(clippy::too_many_arguments)]
    fn apply_summaries(
        &mut self,
        candidates: &[&FnSummary],
        dispatch: bool,
        name: &str,
        args: &[ExprId],
        vals: &[Option<Val>],
        span: Span,
        method: bool,
    ) -> Option<Val> {
        if candidates.is_empty() {
            return None;
        }
        // `some(f)` is "every candidate" for a dispatch's checks and a guess's uses.
        let may = |f: &dyn Fn(&FnSummary) -> bool| {
            if dispatch {
                candidates.iter().any(|s| f(s))
            } else {
                candidates.iter().all(|s| f(s))
            }
        };
        // The impls of a dispatch that do something: one that always allows beside them is
        // taken for a switch that turns the check off ([`Check::switchable`]).
        let acting: Vec<&FnSummary> = candidates
            .iter()
            .copied()
            .filter(|s| !dispatch || !s.always_allows)
            .collect();
        let acting = if acting.is_empty() {
            candidates.to_vec()
        } else {
            acting
        };
        let switchable = acting.len() < candidates.len();
        let must = |f: &dyn Fn(&FnSummary) -> bool| {
            if dispatch {
                acting.iter().all(|s| f(s))
            } else {
                candidates.iter().any(|s| f(s))
            }
        };
        self.flow.reads_path |= candidates.iter().any(|s| s.reads_path);
        self.flow.calls_tenant_checker |= candidates.iter().all(|s| s.checks_read_tenant);
        self.flow.calls_path_checker |= candidates.iter().all(|s| s.checks_path);
        let param_of = |s: &FnSummary, i: usize| i.checked_sub(usize::from(s.has_self && !method));
        let mut result = None;
        if !method {
            // A wrapper handing its own closure and payload parameters on to a function that
            // calls one with the other calls them so itself.
            for s in candidates.iter().filter(|s| !s.has_self) {
                for &(k, j, i) in &s.callbacks {
                    if let (
                        Some(Some(Val::Value(Origin::Param(k)))),
                        Some(Some(Val::Value(Origin::Param(i)))),
                    ) = (vals.get(k as usize), vals.get(i as usize))
                    {
                        self.note_callback((*k, j, *i));
                    }
                }
            }
        }
        for (i, (arg, v)) in args.iter().zip(vals).enumerate() {
            let param = |s: &FnSummary| param_of(s, i);
            // A request struct handed over whole whose tenant field the callee uses.
            let field_use = may(&|s| {
                param(s).is_some_and(|p| matches!(s.param_field_uses.get(p), Some(Some(_))))
            })
            .then(|| {
                candidates
                    .iter()
                    .find_map(|s| s.param_field_uses.get(param(s)?)?.clone())
            })
            .flatten();
            let field_used = field_use.is_some();
            if let Some(fu) = field_use {
                if let Some(origin) = self.field_origin(*v, *arg, &fu.field) {
                    if !matches!(v, Some(Val::Value(o)) if *o == origin) {
                        self.flow.uses.push(Use {
                            origin,
                            span: self.file.expr(*arg).span,
                            kind: SinkKind::Call,
                            detail: format!(
                                "an argument of `{name}`, which uses its `{}` as {}",
                                fu.field, fu.short
                            ),
                            sink: fu.sink,
                            via: Some(name.to_string()),
                        });
                    }
                }
            }
            // A whole extracted input (`Path(id)` with a non-tenant name, the URI's path text)
            // passed on to a helper that uses or checks it: read here.
            // The struct's tenant field stands for it: the whole struct is not another source.
            let carried = match v {
                Some(Val::Carrier(_))
                    if !field_used
                        && may(&|s| {
                            param(s).is_some_and(|p| {
                                matches!(s.param_uses.get(p), Some(Some(_)))
                                    || s.param_checked.get(p) == Some(&true)
                            })
                        }) =>
                {
                    self.origin_at(*v, *arg)
                }
                _ => None,
            };
            let origin = match (v, &carried) {
                (Some(Val::Value(origin)), _) => origin,
                (_, Some(origin)) => origin,
                _ => continue,
            };
            if may(&|s| param(s).is_some_and(|p| s.param_tenant.get(p).copied().unwrap_or(false))) {
                self.mark_tenant(*origin);
            }
            let checked = must(&|s| {
                param(s).is_some_and(|p| s.param_checked.get(p).copied().unwrap_or(false))
            });
            let by_name = !checked
                && must(&|s| {
                    param(s).is_some_and(|p| s.param_named_check.get(p).copied().unwrap_or(false))
                });
            if checked || by_name {
                self.flow.checks.push(Check {
                    origin: *origin,
                    span,
                    called_with_identity: false,
                    by_name,
                    switchable,
                });
                continue;
            }
            let shown = |s: &FnSummary| param(s).and_then(|p| s.param_uses.get(p)?.clone());
            let reached = may(&|s| shown(s).is_some())
                .then(|| {
                    candidates.iter().find_map(|s| {
                        let p = param(s)?;
                        Some((
                            s.param_uses.get(p)?.clone()?,
                            s.param_sinks.get(p)?.clone()?,
                        ))
                    })
                })
                .flatten();
            if let Some((inner, sink)) = reached {
                self.flow.uses.push(Use {
                    origin: *origin,
                    span: self.file.expr(*arg).span,
                    kind: SinkKind::Call,
                    detail: format!("an argument of `{name}`, which uses it as {inner}"),
                    sink,
                    via: Some(name.to_string()),
                });
            }
            let returned = may(&|s| {
                param(s).is_some_and(|p| s.param_returned.get(p).copied().unwrap_or(false))
            });
            if returned {
                result = result.or(*v);
            }
        }
        let read = may(&|s| s.returns_client.is_some())
            .then(|| candidates.iter().find_map(|s| s.returns_client.clone()))
            .flatten();
        if let Some((kind, input, tenant)) = read {
            // `parse_request_param(&req, "tenant_id")`: a helper that reads the entry its
            // caller names.
            let named = (input == UNNAMED)
                .then(|| args.iter().find_map(|a| self.file.static_str(*a)))
                .flatten();
            let (input, tenant) = match named {
                Some(n) => {
                    let tenant = self.ws.is_tenant_name(&n);
                    (n, tenant)
                }
                None => (input, tenant),
            };
            return Some(self.new_source(span, kind, input, tenant, Some(name.to_string())));
        }
        // A helper that decodes the token or loads the session hands back the identity.
        if result.is_none() && candidates.iter().all(|s| s.returns_identity) {
            return Some(Val::Trusted);
        }
        result
    }

    fn macro_call(&mut self, m: &MacroCall) -> Option<Val> {
        match &m.args {
            MacroArgs::List(args) => {
                let display = is_display_macro(m.path.last());
                self.display_depth += u32::from(display);
                let vals: Vec<(ExprId, Option<Val>)> =
                    args.iter().map(|a| (a.expr, self.eval(a.expr))).collect();
                self.display_depth -= u32::from(display);
                match m.path.last() {
                    "assert_eq" | "assert_ne" | "debug_assert_eq" | "ensure_eq" => {
                        if let [a, b, ..] = vals.as_slice() {
                            self.compare(*a, *b, m.tokens_span);
                        }
                        None
                    }
                    // A text built from the identity alone is the identity's
                    // (`format!("User::\"{}\"", claims.sub)`).
                    "format" | "format_args" | "concat" => vals
                        .iter()
                        .find_map(|(_, v)| v.filter(|v| matches!(v, Val::Value(_))))
                        .or_else(|| self.captured_value(args))
                        .or_else(|| {
                            vals.iter()
                                .any(|(_, v)| *v == Some(Val::Trusted))
                                .then_some(Val::Trusted)
                        }),
                    // `try_outcome!(x)`, `ready!(x)`: a macro around one expression yields it.
                    _ if vals.len() == 1 && !display => vals[0].1,
                    _ => None,
                }
            }
            MacroArgs::Stmts(b) => self.eval_block(b),
            MacroArgs::Tokens(_) => None,
        }
    }

    /// A value put into a field that a method of the object's type checks (an auth object
    /// built with the route's tenant that compares it with the token): a check of the value.
    fn checked_by_object(&mut self, ty: &str, field: &str, v: Option<Val>, expr: ExprId) -> bool {
        let Some(Val::Value(origin)) = v else {
            return false;
        };
        self.note_type_lookup(ty);
        let checked = self
            .index
            .checked_fields
            .get(ty)
            .is_some_and(|fs| fs.iter().any(|f| f == field));
        if checked {
            let span = self.file.expr(expr).span;
            self.object_checks.push(self.flow.checks.len());
            self.flow.checks.push(Check {
                origin,
                span,
                called_with_identity: false,
                by_name: false,
                switchable: false,
            });
        }
        checked
    }

    /// The first tracked binding a `format!` template captures by name (`"docs:{tenant_id}"`).
    fn captured_value(&self, args: &[MacroArg]) -> Option<Val> {
        let template = self.file.static_str(args.first()?.expr)?;
        crate::format::parse_template(&template)
            .into_iter()
            .find_map(|p| match p {
                crate::format::Piece::Hole {
                    arg: crate::format::HoleArg::Named(name),
                    ..
                } if !args
                    .iter()
                    .any(|a| a.name.as_ref().is_some_and(|n| n.name == name)) =>
                {
                    self.lookup(&name)
                        .flatten()
                        .filter(|v| matches!(v, Val::Value(_)))
                }
                _ => None,
            })
    }

    /// A struct that carries tenant context to later code (not a response body).
    fn is_context_struct(&self, path: &Path) -> bool {
        (self.extractor && path.is_ident("Self")) || self.is_context_path(path)
    }

    fn is_context_path(&self, path: &Path) -> bool {
        const WORDS: &[&str] = &[
            "Context",
            "Ctx",
            "Tenant",
            "Scope",
            "Principal",
            "Identity",
            "Session",
            "Auth",
        ];
        let last = path.last();
        WORDS.iter().any(|w| last.contains(w))
    }

    /// The name a lookup argument denotes: a string literal or a const's value.
    fn static_name(&self, expr: ExprId) -> Option<String> {
        if let Some(s) = self.file.static_str(expr) {
            return Some(s);
        }
        match &self.file.expr(self.file.strip(expr)).kind {
            ExprKind::Path(p) => self.ws.const_string(p.last()).map(str::to_string),
            ExprKind::Call { func, args } if args.len() == 1 => {
                // `HeaderName::from_static("x-tenant-id")`
                matches!(&self.file.expr(*func).kind, ExprKind::Path(p) if p.last() == "from_static")
                    .then(|| self.file.static_str(args[0]))
                    .flatten()
            }
            _ => None,
        }
    }

    fn chain_has_method(&self, mut e: ExprId, name: &str) -> bool {
        loop {
            match &self.file.expr(e).kind {
                ExprKind::MethodCall {
                    receiver, method, ..
                } => {
                    if method.name == name {
                        return true;
                    }
                    e = *receiver;
                }
                ExprKind::Try(i) | ExprKind::Await(i) | ExprKind::Ref(i) => e = *i,
                _ => return false,
            }
        }
    }

    /// `.unwrap_or(...)` and friends with a constant fallback on a request-derived tenant
    /// identifier: a client input, or a tenant member of the verified identity. Returns the
    /// value after the fallback when it is a new one (the identity's tenant).
    fn fail_open_call(
        &mut self,
        receiver: ExprId,
        method: &str,
        r: Option<Val>,
        args: &[ExprId],
        span: Span,
    ) -> Option<Val> {
        if self.display_depth > 0
            || !self.is_constant_fallback(method, args)
            || (method == "unwrap_or_default" && self.is_optional_string_field(receiver))
        {
            return None;
        }
        match r {
            Some(Val::Value(origin @ Origin::Source(s))) => {
                let src = self.flow.sources.get(s as usize).filter(|s| s.tenant)?;
                let what = src.describe();
                self.push_fallback(method, args, span, what, origin);
                None
            }
            Some(Val::Trusted) => {
                let name = self
                    .nearest_name(receiver)
                    .filter(|n| self.ws.is_tenant_name(n))?;
                let origin = Origin::Fallback(self.flow.fail_open.len() as u32);
                let what = format!("`{name}` of the verified identity");
                self.push_fallback(method, args, span, what, origin);
                Some(Val::Value(origin))
            }
            _ => None,
        }
    }

    /// A value of a credential object type (`&AdminKeyAuth`, `OrgFromRoute { .. }`).
    fn note_credential_object(&mut self, ty: &str, span: Span) {
        self.note_type_lookup(ty);
        if let Some(wide) = self.index.credential_objects.get(ty) {
            self.credential_objects.push((span, *wide));
        }
    }

    fn note_type_lookup(&mut self, ty: &str) {
        if !self.flow.type_lookups.iter().any(|t| t == ty) {
            self.flow.type_lookups.push(ty.to_string());
        }
    }

    fn push_fallback(
        &mut self,
        method: &str,
        args: &[ExprId],
        span: Span,
        what: String,
        origin: Origin,
    ) {
        let fallback = match args {
            [] => Some(FallbackValue::Empty),
            [a] => {
                let a = match &self.file.expr(*a).kind {
                    ExprKind::Closure { body, .. } if method == "unwrap_or_else" => *body,
                    _ => *a,
                };
                self.fallback_value(a)
            }
            _ => None,
        };
        if let Some(value) = fallback {
            self.fallbacks.push(PendingFallback {
                index: self.flow.fail_open.len(),
                value,
                uses: self.flow.uses.len(),
            });
        }
        self.flow.fail_open.push(FailOpen {
            span,
            what,
            origin,
            rejected: false,
        });
    }

    /// The value of a fallback expression, when a test can hold for it: a string literal, or
    /// a constructor of the empty value (`Uuid::nil()`, `Default::default()`).
    fn fallback_value(&self, e: ExprId) -> Option<FallbackValue> {
        if let Some(s) = self.file.static_str(e) {
            return Some(FallbackValue::Str(s));
        }
        match &self.file.expr(self.file.strip(e)).kind {
            ExprKind::Call { func, args } if args.is_empty() => match &self.file.expr(*func).kind {
                ExprKind::Path(p) if matches!(p.last(), "nil" | "default") => {
                    Some(FallbackValue::Empty)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// `cond` guards a block that stops the function: the fallbacks it holds for, made before
    /// and not used since, never go on. The tests: `v.is_empty()`, `v.is_nil()` (the empty
    /// value), `v == "lit"` (that literal).
    fn reject_fallbacks(&mut self, cond: ExprId) {
        let (value, test) = match &self.file.expr(cond).kind {
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } if args.is_empty() && matches!(method.name.as_str(), "is_empty" | "is_nil") => {
                (*receiver, FallbackValue::Empty)
            }
            ExprKind::Binary {
                op: BinOp::Eq,
                lhs,
                rhs,
            } => match (self.file.static_str(*lhs), self.file.static_str(*rhs)) {
                (None, Some(s)) => (*lhs, FallbackValue::Str(s)),
                (Some(s), None) => (*rhs, FallbackValue::Str(s)),
                _ => return,
            },
            _ => return,
        };
        let ExprKind::Path(p) = &self.file.expr(self.file.strip(value)).kind else {
            return;
        };
        if p.segments.len() != 1 {
            return;
        }
        let Some(Some(Val::Value(origin))) = self.lookup(p.last()) else {
            return;
        };
        let holds = |v: &FallbackValue| match (v, &test) {
            (FallbackValue::Empty, FallbackValue::Empty) => true,
            (FallbackValue::Str(a), FallbackValue::Str(b)) => a == b,
            (FallbackValue::Str(s), FallbackValue::Empty)
            | (FallbackValue::Empty, FallbackValue::Str(s)) => s.is_empty(),
        };
        for p in &self.fallbacks {
            let since = self.flow.uses.get(p.uses..).unwrap_or_default();
            let used = since.iter().any(|u| u.origin == origin);
            if let Some(f) = self.flow.fail_open.get_mut(p.index) {
                if f.origin == origin && holds(&p.value) && !used {
                    f.rejected = true;
                }
            }
        }
    }

    /// A field declared `Option<String>` in this file: its default is the empty string, which
    /// names no tenant (the lookup fails closed).
    fn is_optional_string_field(&self, e: ExprId) -> bool {
        let ExprKind::Field { member, .. } = &self.file.expr(self.file.strip(e)).kind else {
            return false;
        };
        let is_string = |t: &Ty| matches!(t.name(), "String" | "str");
        self.file
            .structs
            .iter()
            .flat_map(|s| &s.fields)
            .filter(|f| f.name.name == member.name)
            .any(|f| f.ty.name() == "Option" && f.ty.args().first().is_some_and(is_string))
    }

    fn is_constant_fallback(&self, method: &str, args: &[ExprId]) -> bool {
        match (method, args) {
            ("unwrap_or_default", []) => true,
            ("unwrap_or", [a]) => self.is_shared_default(*a),
            ("unwrap_or_else", [a]) => match &self.file.expr(*a).kind {
                ExprKind::Closure { body, .. } => self.is_shared_default(*body),
                _ => false,
            },
            _ => false,
        }
    }

    /// A constant that names some tenant. An empty string names none: it fails closed.
    fn is_shared_default(&self, e: ExprId) -> bool {
        self.is_constant(e) && self.file.static_str(e).is_none_or(|s| !s.is_empty())
    }

    /// A value fixed in the code: a literal, a const, `Uuid::nil()`, `String::from("x")`.
    fn is_constant(&self, e: ExprId) -> bool {
        match &self.file.expr(self.file.strip(e)).kind {
            ExprKind::Lit(_) => true,
            ExprKind::Path(p) => {
                p.segments.len() > 1
                    || p.last()
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
            }
            ExprKind::Call { args, .. } => args.iter().all(|a| self.is_constant(*a)),
            ExprKind::Block(b) => match b.stmts.as_slice() {
                [Stmt::Expr { expr, semi: false }] => self.is_constant(*expr),
                _ => false,
            },
            _ => false,
        }
    }

    /// The name closest to a value in its expression: a field, a binding, a looked-up key.
    fn nearest_name(&self, mut e: ExprId) -> Option<String> {
        loop {
            match &self.file.expr(e).kind {
                ExprKind::Field { member, .. } => return Some(member.name.clone()),
                ExprKind::Path(p) => return (p.segments.len() == 1).then(|| p.last().to_string()),
                ExprKind::Index { index, .. } => return self.static_name(*index),
                ExprKind::MethodCall {
                    receiver,
                    method,
                    args,
                    ..
                } => {
                    if matches!(
                        method.name.as_str(),
                        "get" | "get_one" | "header" | "cookie" | "query" | "param"
                    ) {
                        if let Some(n) = args.first().and_then(|a| self.static_name(*a)) {
                            return Some(n);
                        }
                    }
                    e = *receiver;
                }
                ExprKind::Call { func, args } => {
                    let is_lookup = matches!(&self.file.expr(*func).kind,
                        ExprKind::Path(p) if matches!(p.last(), "var" | "header"));
                    return is_lookup
                        .then(|| args.first().and_then(|a| self.static_name(*a)))
                        .flatten();
                }
                ExprKind::Try(i) | ExprKind::Await(i) | ExprKind::Ref(i) => e = *i,
                _ => return None,
            }
        }
    }
}

/// Members that keep a container a container: conversions and tuple-struct access.
fn keeps_container(member: &str) -> bool {
    crate::model::TRANSPARENT_METHODS.contains(&member)
        || member.chars().all(|c| c.is_ascii_digit())
        || matches!(
            member,
            "ok" | "map_err" | "ok_or" | "ok_or_else" | "lock" | "collect" | "copied" | "cloned"
        )
}

/// Macros whose arguments are only displayed (logs, messages).
fn is_display_macro(name: &str) -> bool {
    matches!(
        name,
        "print"
            | "println"
            | "eprint"
            | "eprintln"
            | "trace"
            | "debug"
            | "info"
            | "warn"
            | "error"
            | "event"
            | "span"
            | "info_span"
            | "debug_span"
            | "panic"
            | "bail"
            | "anyhow"
    )
}

/// `impl PartialEq for T { fn eq(..) }` and the like: resolving calls by name would mistake
/// every `.eq(..)` in the workspace for this function.
fn implements_std_trait(f: &Function) -> bool {
    const STD_TRAITS: &[&str] = &[
        "PartialEq",
        "Eq",
        "PartialOrd",
        "Ord",
        "Hash",
        "Display",
        "Debug",
        "From",
        "Into",
        "TryFrom",
        "TryInto",
        "FromStr",
        "Deref",
        "DerefMut",
        "AsRef",
        "Clone",
        "Default",
        "Drop",
        "Iterator",
        "Serialize",
        "Deserialize",
        "Future",
        "Error",
        "Borrow",
        "ToString",
    ];
    f.owner
        .as_ref()
        .and_then(|o| o.trait_path.as_ref())
        .is_some_and(|t| STD_TRAITS.contains(&t.last()))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::analyze_workspace;

    /// The innermost binding of a name answers, an assignment changes only it, and the end
    /// of a scope uncovers the binding it shadowed.
    #[test]
    fn bindings_shadow_and_unshadow_by_scope() {
        let mut env = Bindings::default();
        env.push(("x".into(), Some(Val::SelfObj)));
        let mark = env.len();
        env.push(("x".into(), None));
        env.push(("y".into(), None));
        assert_eq!(env.get("x"), Some(None));
        env.assign("x", Some(Val::SelfObj));
        assert_eq!(env.get("x"), Some(Some(Val::SelfObj)));
        env.assign("x", None);
        env.truncate(mark);
        assert_eq!(env.get("x"), Some(Some(Val::SelfObj)));
        assert_eq!(env.get("y"), None);
        env.assign("z", None);
        assert_eq!(env.get("z"), None);
    }

    /// A type-table entry that changes sends back the functions that looked that type up,
    /// found or not, and no other; a handler that came under a layer is sent back alone.
    #[test]
    fn changed_type_entries_and_layers_dirty_only_their_readers() {
        let (files, ws) = analyze_workspace(&[(
            "app/src/a.rs",
            "fn builds_org_auth() {} fn builds_token_auth() {} fn unrelated() {}",
        )]);
        let mut flows = vec![files[0].request_flows.iter().cloned().collect::<Vec<_>>()];
        assert_eq!(flows[0].len(), 3);
        flows[0][0].type_lookups = vec!["OrgAuth".into()];
        flows[0][1].type_lookups = vec!["TokenAuth".into()];
        let at = |i: usize| FnRef {
            file: 0,
            func: flows[0][i].function,
        };
        let before = FlowIndex::default();
        let mut after = FlowIndex::default();
        after
            .checked_fields
            .insert("OrgAuth".into(), vec!["org_id".into()]);
        let dirty = dirty_after(&before, &after, &flows, &ws).expect("no layer verdict changed");
        assert_eq!(dirty, HashSet::from([at(0)]));
        after.credential_objects.insert("TokenAuth".into(), true);
        after.layer_guarded.insert(at(2));
        let dirty = dirty_after(&before, &after, &flows, &ws).expect("no layer verdict changed");
        assert_eq!(dirty, HashSet::from([at(0), at(1), at(2)]));
        assert_eq!(
            dirty_after(&after, &after, &flows, &ws),
            Some(HashSet::new())
        );
        after.layer_verified = true;
        assert_eq!(dirty_after(&before, &after, &flows, &ws), None);
    }

    /// The flow of the function `name` in file `file` (the `owner::name` of a method).
    fn flow_in<'a>(files: &'a [AnalyzedFile], file: usize, name: &str) -> &'a FnFlow {
        let rust = files[file].rust.as_ref().expect("parsed");
        files[file]
            .request_flows
            .iter()
            .find(|f| {
                let func = rust.function(f.function);
                let owned = func
                    .owner
                    .as_ref()
                    .map(|o| format!("{}::{}", o.self_ty.name(), func.name.name));
                func.name.name == name || owned.as_deref() == Some(name)
            })
            .unwrap_or_else(|| panic!("no function {name}"))
    }

    /// The unchecked client tenant uses of a function: (input, use kind, use detail).
    fn tenant_uses(flow: &FnFlow) -> Vec<(String, SinkKind, String)> {
        flow.tenant_uses_unless(|o| flow.is_checked(o))
            .into_iter()
            .flat_map(|(src, uses)| {
                uses.into_iter()
                    .map(move |u| (src.describe(), u.kind.clone(), u.detail.clone()))
            })
            .collect()
    }

    const REPO: &str = r#"
        pub async fn insert_doc(db: &PgPool, tenant_id: Uuid) {
            sqlx::query("INSERT INTO docs (tenant_id) VALUES ($1)").bind(tenant_id).execute(db).await;
        }
        "#;

    #[test]
    fn flows_through_two_and_three_calls_across_modules() {
        let (files, _) = analyze_workspace(&[
            (
                "app/src/routes.rs",
                r#"
                use crate::service::create;
                async fn two(Path(tenant_id): Path<Uuid>, db: PgPool) {
                    crate::db::insert_doc(&db, tenant_id).await;
                }
                async fn three(Path(tenant_id): Path<Uuid>, db: PgPool) {
                    create(&db, tenant_id).await;
                }
                "#,
            ),
            (
                "app/src/service.rs",
                "pub async fn create(db: &PgPool, t: Uuid) { audit(db, t).await; }
                 async fn audit(db: &PgPool, t: Uuid) { super::db::insert_doc(db, t).await; }",
            ),
            ("app/src/db.rs", REPO),
        ]);
        for handler in ["two", "three"] {
            let uses = tenant_uses(flow_in(&files, 0, handler));
            assert_eq!(uses.len(), 1, "{handler}: {uses:?}");
            assert_eq!(uses[0].1, SinkKind::Call);
            assert!(
                uses[0].2.ends_with("which uses it as SQL bind parameter"),
                "{uses:?}"
            );
        }
    }

    #[test]
    fn same_named_functions_of_two_modules_do_not_merge() {
        let (files, _) = analyze_workspace(&[
            (
                "app/src/routes.rs",
                r#"
                use crate::audit::insert_doc;
                async fn logged(Path(tenant_id): Path<Uuid>, db: PgPool) {
                    insert_doc(&db, tenant_id).await;
                }
                async fn stored(Path(tenant_id): Path<Uuid>, db: PgPool) {
                    crate::db::insert_doc(&db, tenant_id).await;
                }
                "#,
            ),
            (
                "app/src/audit.rs",
                "pub async fn insert_doc(db: &PgPool, tenant_id: Uuid) { count(tenant_id); }",
            ),
            ("app/src/db.rs", REPO),
        ]);
        assert_eq!(tenant_uses(flow_in(&files, 0, "logged")), []);
        assert_eq!(tenant_uses(flow_in(&files, 0, "stored")).len(), 1);
    }

    #[test]
    fn a_trait_method_reaches_a_use_if_one_impl_uses_it() {
        let (files, _) = analyze_workspace(&[(
            "app/src/lib.rs",
            r#"
            trait DocStore { async fn put(&self, tenant_id: Uuid); }
            struct Pg { db: PgPool }
            impl DocStore for Pg {
                async fn put(&self, tenant_id: Uuid) {
                    sqlx::query("INSERT INTO docs (tenant_id) VALUES ($1)").bind(tenant_id).execute(&self.db).await;
                }
            }
            struct Memory;
            impl DocStore for Memory { async fn put(&self, tenant_id: Uuid) {} }
            async fn handler(Path(tenant_id): Path<Uuid>, store: Arc<dyn DocStore>) {
                store.put(tenant_id).await;
            }
            "#,
        )]);
        let uses = tenant_uses(flow_in(&files, 0, "handler"));
        assert_eq!(uses.len(), 1, "{uses:?}");
    }

    #[test]
    fn a_trait_method_checks_only_if_every_impl_checks() {
        let checked_by = |second: &str| {
            let text = format!(
                r#"
                trait Guard {{ fn allow(&self, tenant_id: Uuid, claims: &Claims) -> bool; }}
                struct Strict;
                impl Guard for Strict {{
                    fn allow(&self, tenant_id: Uuid, claims: &Claims) -> bool {{ tenant_id == claims.tenant_id }}
                }}
                struct Other;
                impl Guard for Other {{
                    fn allow(&self, tenant_id: Uuid, claims: &Claims) -> bool {{ {second} }}
                }}
                async fn handler(Path(tenant_id): Path<Uuid>, Extension(c): Extension<Claims>, g: &dyn Guard, db: PgPool) {{
                    if !g.allow(tenant_id, &c) {{ return; }}
                    sqlx::query("SELECT 1 FROM docs WHERE tenant_id = $1").bind(tenant_id).execute(&db).await;
                }}
                "#
            );
            let (files, _) = analyze_workspace(&[("app/src/lib.rs", &text)]);
            let flow = flow_in(&files, 0, "handler");
            let switchable = flow.checks.iter().any(|c| c.switchable);
            (tenant_uses(flow).is_empty(), switchable)
        };
        assert_eq!(checked_by("tenant_id == claims.tenant_id"), (true, false));
        assert_eq!(checked_by("claims.admin"), (false, false));
        // An impl that only allows is a switch: the others' check holds, as a switchable one.
        assert_eq!(checked_by("true"), (true, true));
    }

    #[test]
    fn type_qualified_and_method_calls_resolve_by_the_type() {
        let (files, _) = analyze_workspace(&[(
            "app/src/lib.rs",
            r#"
            struct Repo { db: PgPool }
            impl Repo {
                async fn find(&self, tenant_id: Uuid) {
                    sqlx::query("SELECT 1 FROM docs WHERE tenant_id = $1").bind(tenant_id).execute(&self.db).await;
                }
            }
            struct Cache;
            impl Cache { async fn find(&self, tenant_id: Uuid) {} }
            async fn qualified(Path(tenant_id): Path<Uuid>, repo: Repo) { Repo::find(&repo, tenant_id).await; }
            async fn method(Path(tenant_id): Path<Uuid>, repo: &Repo) { repo.find(tenant_id).await; }
            async fn other(Path(tenant_id): Path<Uuid>, cache: Cache) { cache.find(tenant_id).await; }
            async fn other_qualified(Path(tenant_id): Path<Uuid>, cache: Cache) { Cache::find(&cache, tenant_id).await; }
            "#,
        )]);
        assert_eq!(tenant_uses(flow_in(&files, 0, "qualified")).len(), 1);
        assert_eq!(tenant_uses(flow_in(&files, 0, "method")).len(), 1);
        assert_eq!(tenant_uses(flow_in(&files, 0, "other")), []);
        assert_eq!(tenant_uses(flow_in(&files, 0, "other_qualified")), []);
    }

    #[test]
    fn closures_and_functions_handed_to_combinators_and_spawned_tasks() {
        let (files, _) = analyze_workspace(&[(
            "app/src/lib.rs",
            r#"
            async fn store(db: &PgPool, tenant_id: Uuid) {
                sqlx::query("INSERT INTO docs (tenant_id) VALUES ($1)").bind(tenant_id).execute(db).await;
            }
            fn tag(tenant_id: Uuid) -> Uuid { tenant_id }
            async fn mapped(Path(tenant_id): Path<Uuid>, db: PgPool) {
                let t = Some(tenant_id).map(tag).unwrap();
                store(&db, t).await;
            }
            async fn chained(Path(tenant_id): Path<Uuid>, db: PgPool) {
                Some(tenant_id).and_then(|t| Some(store(&db, t)));
            }
            async fn spawned(Path(tenant_id): Path<Uuid>, db: PgPool) {
                tokio::spawn(async move { store(&db, tenant_id).await });
            }
            "#,
        )]);
        for handler in ["mapped", "chained", "spawned"] {
            assert_eq!(
                tenant_uses(flow_in(&files, 0, handler)).len(),
                1,
                "{handler}"
            );
        }
    }

    #[test]
    fn recursion_converges_and_summaries_stay_bounded() {
        let (files, ws) = analyze_workspace(&[(
            "app/src/lib.rs",
            r#"
            async fn walk(db: &PgPool, tenant_id: Uuid, n: u32) {
                if n > 0 { walk(db, tenant_id, n - 1).await; }
                ping(db, tenant_id).await;
            }
            async fn ping(db: &PgPool, tenant_id: Uuid) { pong(db, tenant_id).await; }
            async fn pong(db: &PgPool, tenant_id: Uuid) {
                ping(db, tenant_id).await;
                sqlx::query("SELECT 1 FROM docs WHERE tenant_id = $1").bind(tenant_id).execute(db).await;
            }
            async fn handler(Path(tenant_id): Path<Uuid>, db: PgPool) { walk(&db, tenant_id, 3).await; }
            "#,
        )]);
        let uses = tenant_uses(flow_in(&files, 0, "handler"));
        assert_eq!(uses.len(), 1, "{uses:?}");
        // The first call and the use at the end; the calls in between are left out.
        assert_eq!(
            uses[0].2,
            "an argument of `walk`, which uses it as an argument of `walk`, which uses it as SQL bind parameter"
        );
        // The fixpoint ends with every summary stable: one more round changes nothing.
        let again: Vec<Vec<FnFlow>> = (0..files.len())
            .map(|i| file_flows(i, &files[i], &ws, &ws.flow_index))
            .collect();
        assert_eq!(summarize(&files, &again, &ws), *ws.flow_index);
    }

    /// Analyzes one Rust file as a workspace and returns its flows by function name.
    fn flows(text: &str) -> Vec<(String, FnFlow)> {
        let (mut files, _) = analyze_workspace(&[("src/lib.rs", text)]);
        let file = files.pop().expect("one file");
        let rust = file.rust.as_ref().expect("parsed");
        file.request_flows
            .iter()
            .map(|f| (rust.function(f.function).name.name.clone(), f.clone()))
            .collect()
    }

    fn flow<'a>(all: &'a [(String, FnFlow)], name: &str) -> &'a FnFlow {
        &all.iter().find(|(n, _)| n == name).expect("function").1
    }

    #[test]
    fn follows_a_header_through_combinators_and_shadowing() {
        let all = flows(
            r#"
            async fn h(headers: HeaderMap, db: PgPool) {
                let t = headers.get("x-tenant-id").and_then(|v| v.to_str().ok());
                let t = Uuid::parse_str(t.unwrap()).unwrap();
                sqlx::query("SELECT 1 FROM d WHERE tenant_id = $1").bind(t).execute(&db).await;
            }
            "#,
        );
        let f = flow(&all, "h");
        let found = f.tenant_uses_unless(|o| f.is_checked(o));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0.describe(), "header `x-tenant-id`");
        assert_eq!(found[0].1[0].kind, SinkKind::SqlBind);
    }

    #[test]
    fn shadowing_with_a_trusted_value_ends_the_flow() {
        let all = flows(
            r#"
            async fn h(Path(tenant_id): Path<Uuid>, Extension(claims): Extension<Claims>, db: PgPool) {
                let tenant_id = claims.tenant_id;
                sqlx::query("SELECT 1 FROM d WHERE tenant_id = $1").bind(tenant_id).execute(&db).await;
            }
            "#,
        );
        let h = flow(&all, "h");
        assert!(h.tenant_uses_unless(|o| h.is_checked(o)).is_empty());
    }

    #[test]
    fn summaries_carry_parameters_to_uses_and_checks() {
        let all = flows(
            r#"
            async fn repo(db: &PgPool, tenant: Uuid) {
                sqlx::query("SELECT 1 FROM d WHERE tenant_id = $1").bind(tenant).execute(db).await;
            }
            async fn same_tenant(tenant: Uuid, claims: &Claims) -> bool {
                tenant == claims.tenant_id
            }
            async fn unchecked(Path(tenant_id): Path<Uuid>, db: PgPool) {
                repo(&db, tenant_id).await;
            }
            async fn checked(Path(tenant_id): Path<Uuid>, Extension(c): Extension<Claims>, db: PgPool) {
                if !same_tenant(tenant_id, &c).await { return; }
                repo(&db, tenant_id).await;
            }
            "#,
        );
        let un = flow(&all, "unchecked");
        let u = un.tenant_uses_unless(|o| un.is_checked(o));
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].1[0].kind, SinkKind::Call);
        let ch = flow(&all, "checked");
        assert!(ch.tenant_uses_unless(|o| ch.is_checked(o)).is_empty());
    }
}
