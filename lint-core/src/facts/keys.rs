//! Cache and storage keys: where a file hands a key or a path to a shared cache, an object
//! store or the file system, and what that key is built from.
//!
//! Computed once per file (`AnalyzedFile::key_sinks`). Receivers are recognised from declared
//! types (parameters, struct fields, statics, `let` annotations, return types) and well-known
//! constructors, never from a variable's name, so a local `HashMap` is not a sink. The
//! workspace part ([`KeyIndex`]) holds what needs every file: which struct fields and
//! functions yield clients, and summaries of key-building helper functions.

use crate::facts::workspace::{AnalyzedFile, Workspace};
use crate::ir::is_const_name;
use crate::ir::*;
use crate::model::RustFile;
use crate::request_input::{self, Untrusted};
use crate::semantic::bindings::reaching_let;
use crate::span::Span;
use crate::sql::SqlSite;
use crate::syntax::format::{parse_template, HoleArg, Piece};
use std::collections::{HashMap, HashSet};

/// How deep binding and helper resolution may recurse.
const MAX_DEPTH: u32 = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkKind {
    /// A cache or key-value store shared by every request (redis, moka...).
    Cache,
    /// An object store or the file system.
    Storage,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    Redis,
    /// In-process caches: moka, mini-moka, quick_cache, the `cached` crate's stores.
    MemoryCache,
    /// The `cached` crate's function attributes.
    CachedFn,
    /// A map held in a `static`: a table the whole process shares.
    ProcessMap,
    S3,
    ObjectStore,
    Opendal,
    Fs,
    PathJoin,
    FileResponse,
}

impl Family {
    pub fn kind(self) -> SinkKind {
        match self {
            Family::Redis | Family::MemoryCache | Family::CachedFn | Family::ProcessMap => {
                SinkKind::Cache
            }
            _ => SinkKind::Storage,
        }
    }

    /// Object storage holds tenant data by default; file system paths only where the code
    /// works with a tenant (a per-tenant file tree).
    pub fn is_object_storage(self) -> bool {
        matches!(self, Family::S3 | Family::ObjectStore | Family::Opendal)
    }

    pub fn name(self) -> &'static str {
        match self {
            Family::Redis => "redis client",
            Family::MemoryCache => "process-wide cache",
            Family::ProcessMap => "process-wide map",
            Family::CachedFn => "`#[cached]` store",
            Family::S3 => "S3",
            Family::ObjectStore => "object_store",
            Family::Opendal => "opendal",
            Family::Fs => "file system",
            Family::PathJoin => "file",
            Family::FileResponse => "file response",
        }
    }
}

/// A client value's family, and whether its declared key type already carries the tenant
/// (`Cache<(TenantId, Uuid), Doc>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Client {
    pub family: Family,
    pub tenant_keyed: bool,
    /// A process-wide map every write of which stores a value computed from its key alone (an
    /// interning memo): whoever asks for a key gets what they would have computed.
    pub value_from_key: bool,
}

impl Client {
    fn new(family: Family, tenant_keyed: bool) -> Client {
        Client {
            family,
            tenant_keyed,
            value_from_key: false,
        }
    }
}

/// What a key is built from.
#[derive(Clone, Debug, Default)]
pub struct KeyParts {
    /// The first tenant component found.
    pub tenant: Option<Span>,
    /// Runtime parts that are not the tenant, with a short name for messages.
    pub dynamic: Vec<(Span, String)>,
    /// Some part could hold anything (a forwarded key string, an unknown helper): no verdict.
    pub opaque: bool,
    /// Static text the key starts with (before any runtime part).
    pub prefix: String,
    prefix_closed: bool,
    /// Some static text is part of the key (it is built here, not handed over whole).
    literal_seen: bool,
}

impl KeyParts {
    fn literal(&mut self, text: &str) {
        self.literal_seen = true;
        if !self.prefix_closed {
            self.prefix.push_str(text);
        }
    }

    fn runtime(&mut self, span: Span, name: String) {
        self.prefix_closed = true;
        self.dynamic.push((span, name));
    }

    fn unknown(&mut self) {
        self.prefix_closed = true;
        self.opaque = true;
    }

    fn is_empty(&self) -> bool {
        self.tenant.is_none() && self.dynamic.is_empty() && !self.opaque && !self.literal_seen
    }

    fn merge(&mut self, other: KeyParts) {
        if let Some(t) = other.tenant {
            self.tenant.get_or_insert(t);
        }
        if !self.prefix_closed {
            self.prefix.push_str(&other.prefix);
            self.prefix_closed = other.prefix_closed;
        }
        self.dynamic.extend(other.dynamic);
        self.opaque |= other.opaque;
        self.literal_seen |= other.literal_seen;
    }

    /// A key that starts with a runtime value that is not a record id starts at a location
    /// (a base directory, a namespace) that may already be the tenant's.
    fn starts_at_location(&self) -> bool {
        self.tenant.is_none()
            && !self.dynamic.is_empty()
            && !self.dynamic.iter().any(|(_, n)| is_record_id_name(n))
    }

    /// Whether a runtime part identifies a record (`invoice_id`, a helper-built key).
    pub fn has_record_id(&self) -> bool {
        self.dynamic.iter().any(|(_, n)| is_record_id_name(n))
    }

    /// Whether the whole key is one value handed over from elsewhere, not built here.
    pub fn is_single_value(&self) -> bool {
        !self.literal_seen && self.tenant.is_none() && self.dynamic.len() == 1
    }

    /// The key is built here, has runtime parts, and none of them is the tenant. Keys whose
    /// every runtime part is an unguessable secret (a session token) are authorised by
    /// possession and not reported.
    pub fn lacks_tenant(&self) -> bool {
        self.tenant.is_none()
            && !self.opaque
            && !self.dynamic.is_empty()
            && !self
                .dynamic
                .iter()
                .all(|(_, n)| crate::secrets::is_possession_name(n))
    }

    pub fn dynamic_names(&self) -> String {
        let mut names: Vec<&str> = self.dynamic.iter().map(|(_, n)| n.as_str()).collect();
        names.dedup();
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One place a key or path reaches a cache or storage sink.
#[derive(Clone, Debug)]
pub struct KeySink {
    pub family: Family,
    /// The operation, for labels (`set_ex`, `put_object`, `fs::write`).
    pub op: String,
    /// The sink call (or attribute).
    pub call: Span,
    /// The key or path expression.
    pub key: Span,
    pub function: Option<FnId>,
    pub parts: KeyParts,
    /// Client-controlled input in the key that no sanitiser checked (storage sinks only).
    pub untrusted: Vec<Untrusted>,
    /// Whether the function works with a tenant value (for per-tenant file trees).
    pub tenant_in_scope: bool,
    /// Whether a query filtered by the tenant column ran earlier in the function: the record
    /// the key names was looked up as the tenant's before the key was used.
    pub record_checked: bool,
    /// The map is a memo of values computed from their keys alone ([`Client::value_from_key`]).
    pub value_from_key: bool,
}

impl KeySink {
    pub fn kind(&self) -> SinkKind {
        self.family.kind()
    }
}

/// What a workspace helper function returns, as a key component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HelperSummary {
    /// The returned key contains the tenant.
    Tenant,
    /// The returned key is built from runtime parts, none of them the tenant.
    Untenanted,
    Unknown,
}

/// Workspace-wide facts for key analysis, built once after parsing.
#[derive(Debug, Default)]
pub struct KeyIndex {
    /// Struct fields whose declared type is a client, by field name.
    /// `None` when structs disagree about what a field of that name holds.
    client_fields: HashMap<String, Option<Client>>,
    /// Client fields by struct and field name (tuple fields are `0`, `1`...).
    struct_clients: HashMap<(String, String), Client>,
    /// Statics whose declared type is a client.
    client_statics: HashMap<String, Client>,
    /// Functions and methods that return a client, by name.
    client_fns: HashMap<String, Client>,
    /// Fields declared `PathBuf`/`Path`, by name.
    path_fields: HashSet<String>,
    /// Field types by struct and field name, for typing request bodies.
    pub struct_fields: HashMap<String, Vec<(String, Ty)>>,
    /// Key-building helpers by function name (ambiguous names are `Unknown`).
    helpers: HashMap<String, HelperSummary>,
    /// Workspace functions that hand one of their parameters to a storage path (the backend's
    /// `self.base.join(key)` then `fs::read`): by name, the parameter's position (after
    /// `self`) and the sink it reaches. `None` when same-named functions disagree.
    path_params: HashMap<String, Option<PathParams>>,
    /// Folders of the Cargo packages whose code handles a tenant value (a binding, field,
    /// parameter or type of the tenant vocabulary); `""` is the workspace root.
    tenant_crates: HashSet<String>,
}

impl KeyIndex {
    pub fn build(files: &[AnalyzedFile], ws: &Workspace) -> KeyIndex {
        let mut index = KeyIndex::default();
        let mut package_dirs: HashMap<String, String> = HashMap::new();
        for f in files {
            if f.rust.as_ref().is_some_and(|r| mentions_tenant(r, ws)) {
                let dir = package_dir(&ws.root, &f.source.rel_path, &mut package_dirs);
                index.tenant_crates.insert(dir);
            }
        }
        let rust: Vec<&RustFile> = files.iter().filter_map(|f| f.rust.as_ref()).collect();
        let written = written_statics(&rust);
        for file in &rust {
            let imports = Imports::new(file);
            for s in &file.structs {
                for field in &s.fields {
                    let client = client_of_ty(&field.ty, &imports, ws);
                    if let Some(c) = client {
                        index
                            .struct_clients
                            .insert((s.name.name.clone(), field.name.name.clone()), c);
                    }
                    // Tuple field names say nothing without their struct.
                    if !field.name.name.starts_with(|c: char| c.is_ascii_digit()) {
                        index
                            .client_fields
                            .entry(field.name.name.clone())
                            .and_modify(|known| {
                                if *known != client {
                                    *known = None
                                }
                            })
                            .or_insert(client);
                    }
                    if is_path_ty(&field.ty) {
                        index.path_fields.insert(field.name.name.clone());
                    }
                }
                index.struct_fields.insert(
                    s.name.name.clone(),
                    s.fields
                        .iter()
                        .map(|f| (f.name.name.clone(), f.ty.clone()))
                        .collect(),
                );
            }
            for c in &file.consts {
                // A static map nothing writes at run time is a constant lookup table.
                let client = client_of_ty(&c.ty, &imports, ws).or_else(|| {
                    let memo = *written.get(&c.name.name)?;
                    shared_map(&c.ty, ws).map(|m| Client {
                        value_from_key: memo,
                        ..m
                    })
                });
                if let Some(client) = client {
                    index.client_statics.insert(c.name.name.clone(), client);
                }
            }
            for f in &file.functions {
                if let Some(client) = f.ret.as_ref().and_then(|t| client_of_ty(t, &imports, ws)) {
                    index.client_fns.insert(f.name.name.clone(), client);
                }
            }
        }
        // Helpers that call helpers: a second round sees the first round's summaries.
        for _ in 0..2 {
            let mut helpers: HashMap<String, HelperSummary> = HashMap::new();
            for file in &rust {
                let imports = Imports::new(file);
                for id in file.function_ids() {
                    let f = file.function(id);
                    let Some(ret) = &f.ret else { continue };
                    if !is_key_like_ty(ret) {
                        continue;
                    }
                    let Some(tail) = tail_expr(&f.body) else {
                        continue;
                    };
                    let cx = Analyzer {
                        file,
                        ws,
                        index: &index,
                        imports: &imports,
                        function: Some(id),
                    };
                    let mut parts = KeyParts::default();
                    cx.parts(tail, 0, &mut parts);
                    let summary = if parts.tenant.is_some() {
                        HelperSummary::Tenant
                    } else if parts.lacks_tenant() {
                        HelperSummary::Untenanted
                    } else {
                        HelperSummary::Unknown
                    };
                    helpers
                        .entry(f.name.name.clone())
                        .and_modify(|s| {
                            if *s != summary {
                                *s = HelperSummary::Unknown
                            }
                        })
                        .or_insert(summary);
                }
            }
            index.helpers = helpers;
        }
        index.path_params = path_params(&rust, ws, &index);
        index
    }
}

/// The parameters (positions after `self`) a function hands to a storage path, and the sink.
#[derive(Clone, Debug, PartialEq)]
struct PathParams {
    params: Vec<ForwardedParam>,
    family: Family,
    op: String,
    /// The types these functions are methods of: the impl's type and trait (empty for free
    /// functions). A method call on a receiver of another known type is not one of them.
    owners: Vec<String>,
}

/// A parameter a function joins to a storage path; `looked_up` when the function first made
/// sure it names an existing entry (see [`request_input::Checks::looked_up`]).
#[derive(Clone, Copy, Debug, PartialEq)]
struct ForwardedParam {
    position: usize,
    looked_up: bool,
}

/// Methods that add or replace entries of a map.
const MAP_WRITES: &[&str] = &[
    "insert",
    "entry",
    "get_or_insert_with",
    "try_insert",
    "extend",
];

/// Methods that return a handle on the same map (a guard, the value a cell holds): a write
/// through them writes the map. Anything else (`values().cloned().collect()`) is a copy.
const MAP_HANDLES: &[&str] = &[
    "lock",
    "read",
    "write",
    "borrow_mut",
    "get_or_init",
    "force",
    "as_mut",
    "deref_mut",
    "try_lock",
    "try_write",
    "blocking_lock",
    "blocking_write",
];

/// The statics some function writes entries into (`MAP.insert(..)`,
/// `MAP.write().await.entry(..)`, `let mut m = MAP.lock(); m.insert(..)`), by name, with
/// whether every write stores a value computed from its key alone.
fn written_statics(rust: &[&RustFile]) -> HashMap<String, bool> {
    let mut written: HashMap<String, bool> = HashMap::new();
    for file in rust {
        for &(id, function) in &file.calls {
            let ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } = &file.expr(id).kind
            else {
                continue;
            };
            if !MAP_WRITES.contains(&method.name.as_str()) {
                continue;
            }
            let mut root = *receiver;
            for _ in 0..16 {
                match &file.expr(file.strip(root)).kind {
                    ExprKind::MethodCall {
                        receiver, method, ..
                    } if MAP_HANDLES.contains(&method.name.as_str()) => root = *receiver,
                    ExprKind::Path(p) if p.segments.len() == 1 && !is_const_name(p.last()) => {
                        let at = file.expr(root).span.start;
                        let init = function.and_then(|f| reaching_let(file, f, p.last(), at));
                        match init {
                            Some(init) => root = init,
                            None => break,
                        }
                    }
                    ExprKind::Path(p) => {
                        let memo = matches!(method.name.as_str(), "insert" | "try_insert")
                            && args.len() == 2
                            && value_from_key(file, function, args[0], args[1]);
                        written
                            .entry(p.last().to_string())
                            .and_modify(|all| *all &= memo)
                            .or_insert(memo);
                        break;
                    }
                    _ => break,
                }
            }
        }
    }
    written
}

/// Whether an inserted value is computed from nothing but what its key is computed from
/// (`map.insert(cfg.region.clone(), Box::leak(..cfg.region..))`).
fn value_from_key(file: &RustFile, function: Option<FnId>, key: ExprId, value: ExprId) -> bool {
    let mut key_inputs = Vec::new();
    let mut value_inputs = Vec::new();
    let known = inputs_of(file, function, key, 0, &mut key_inputs)
        && inputs_of(file, function, value, 0, &mut value_inputs);
    known && !key_inputs.is_empty() && value_inputs.iter().all(|v| key_inputs.contains(v))
}

/// The runtime values an expression is computed from (bindings without a visible `let`, and
/// field chains on them, as text), through the function's `let`s. False when some part cannot
/// be followed (a closure, a block, a loop).
fn inputs_of(
    file: &RustFile,
    function: Option<FnId>,
    id: ExprId,
    depth: u32,
    out: &mut Vec<String>,
) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let id = file.strip(id);
    let expr = file.expr(id);
    match &expr.kind {
        ExprKind::Lit(_) => true,
        ExprKind::Path(p) if p.segments.len() == 1 && !is_const_name(p.last()) => {
            let init = function.and_then(|f| reaching_let(file, f, p.last(), expr.span.start));
            match init {
                Some(init) => inputs_of(file, function, init, depth + 1, out),
                None => {
                    out.push(p.last().to_string());
                    true
                }
            }
        }
        ExprKind::Path(_) => true,
        ExprKind::Field { .. } => match field_chain_text(file, id) {
            Some(text) => {
                out.push(text);
                true
            }
            None => false,
        },
        ExprKind::MethodCall { receiver, args, .. } => {
            inputs_of(file, function, *receiver, depth + 1, out)
                && args
                    .iter()
                    .all(|a| inputs_of(file, function, *a, depth + 1, out))
        }
        ExprKind::Call { args, .. } => args
            .iter()
            .all(|a| inputs_of(file, function, *a, depth + 1, out)),
        ExprKind::Macro(MacroCall {
            args: MacroArgs::List(args),
            ..
        }) => args
            .iter()
            .all(|a| inputs_of(file, function, a.expr, depth + 1, out)),
        _ => false,
    }
}

/// `a.b.c` as text, when the chain starts at a plain name.
fn field_chain_text(file: &RustFile, id: ExprId) -> Option<String> {
    match &file.expr(file.strip(id)).kind {
        ExprKind::Field { base, member } => Some(format!(
            "{}.{}",
            field_chain_text(file, *base)?,
            member.name
        )),
        ExprKind::Path(p) if p.segments.len() == 1 => Some(p.last().to_string()),
        _ => None,
    }
}

/// Which workspace functions hand a parameter to a storage path, for callers in other
/// functions (the handler builds the key, the backend joins and opens it).
fn path_params(
    rust: &[&RustFile],
    ws: &Workspace,
    index: &KeyIndex,
) -> HashMap<String, Option<PathParams>> {
    let mut out: HashMap<String, Option<PathParams>> = HashMap::new();
    for file in rust {
        let imports = Imports::new(file);
        let mut found: HashMap<FnId, PathParams> = HashMap::new();
        for &(id, function) in &file.calls {
            let Some(f) = function else { continue };
            let cx = Analyzer {
                file,
                ws,
                index,
                imports: &imports,
                function: Some(f),
            };
            let Some(sink) = cx
                .sink_at(id)
                .filter(|s| s.family.kind() == SinkKind::Storage)
            else {
                continue;
            };
            let mut params = Vec::new();
            cx.params_reached(sink.key, 0, &mut params);
            // What the function checks before the sink, on its own parameters: the caller's
            // value is as safe as the callee makes it.
            let checks = request_input::checks(file, file.function(f), &ws.returning_macros);
            if checks.whole_function {
                continue;
            }
            let names = param_names(file, file.function(f));
            let entry = found.entry(f).or_insert_with(|| PathParams {
                params: Vec::new(),
                family: sink.family,
                op: sink.op.clone(),
                owners: method_owners(file.function(f)),
            });
            for position in params {
                let Some(names) = names.get(position) else {
                    continue;
                };
                if names
                    .iter()
                    .any(|n| checks.validates_before(n, sink.call.start))
                {
                    continue;
                }
                let looked_up = names
                    .iter()
                    .any(|n| checks.looked_up_before(n, sink.call.start));
                if !entry.params.iter().any(|p| p.position == position) {
                    entry.params.push(ForwardedParam {
                        position,
                        looked_up,
                    });
                }
            }
        }
        for f in file.function_ids() {
            let summary = found.remove(&f).filter(|s| !s.params.is_empty());
            out.entry(file.function(f).name.name.clone())
                .and_modify(|known| match (known.as_mut(), &summary) {
                    (Some(k), Some(s)) if k.params == s.params => {
                        k.owners.extend(s.owners.iter().cloned())
                    }
                    (None, None) => {}
                    _ => *known = None,
                })
                .or_insert(summary);
        }
    }
    out
}

/// The type and trait a method is implemented for (`impl Storage for Disk` gives `Disk` and
/// `Storage`), by their last segment.
fn method_owners(f: &Function) -> Vec<String> {
    let Some(owner) = &f.owner else {
        return Vec::new();
    };
    let mut out = vec![unwrap_ty(&owner.self_ty).name().to_string()];
    out.extend(owner.trait_path.as_ref().map(|t| t.last().to_string()));
    out
}

/// The names each parameter (after `self`) binds, by position.
fn param_names(file: &RustFile, f: &Function) -> Vec<Vec<String>> {
    f.params
        .iter()
        .filter(|p| !file.is_self_param(p))
        .map(|p| {
            let mut names = Vec::new();
            file.bindings(p.pat, &mut names);
            names.into_iter().map(|(n, _)| n).collect()
        })
        .collect()
}

impl KeyIndex {
    /// Whether the Cargo package holding this file handles a tenant value anywhere: code with
    /// no tenant at all (a proxy keyed by endpoints) has no tenant to put in a key.
    pub fn package_handles_tenant(&self, root: &std::path::Path, rel_path: &str) -> bool {
        let dir = package_dir(root, rel_path, &mut HashMap::new());
        self.tenant_crates.contains(&dir)
    }
}

/// The folder (relative to the root) of the nearest `Cargo.toml` above a file, `""` at the
/// root or when none is found inside the tree.
fn package_dir(
    root: &std::path::Path,
    rel_path: &str,
    cache: &mut HashMap<String, String>,
) -> String {
    let mut dir = rel_path.rsplit_once('/').map_or("", |(d, _)| d);
    let start = dir.to_string();
    if let Some(known) = cache.get(&start) {
        return known.clone();
    }
    let found = loop {
        if dir.is_empty() || root.join(dir).join("Cargo.toml").is_file() {
            break dir.to_string();
        }
        dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
    };
    cache.insert(start, found.clone());
    found
}

/// Whether a file's code handles a tenant value: a parameter, binding, field or path of the
/// tenant vocabulary, or a tenant type.
fn mentions_tenant(file: &RustFile, ws: &Workspace) -> bool {
    let fields = file
        .structs
        .iter()
        .flat_map(|s| &s.fields)
        .any(|f| is_tenant_ident(ws, &f.name.name) || ty_has_tenant(&f.ty, ws));
    fields
        || file.functions.iter().any(|func| {
            let mut names = Vec::new();
            for p in &func.params {
                file.bindings(p.pat, &mut names);
            }
            let mut found = func.params.iter().any(|p| ty_has_tenant(&p.ty, ws))
                || names.iter().any(|(n, _)| is_tenant_ident(ws, n));
            file.walk_block(&func.body, &mut |id| {
                found |= match &file.expr(id).kind {
                    ExprKind::Field { member, .. } => is_tenant_ident(ws, &member.name),
                    ExprKind::Path(p) => p.segments.iter().any(|s| is_tenant_ident(ws, s)),
                    ExprKind::MethodCall { method, .. } => is_tenant_ident(ws, &method.name),
                    _ => false,
                };
            });
            found
        })
}

/// The key sinks of one file.
pub fn extract(file: &RustFile, sql_sites: &[SqlSite], ws: &Workspace) -> Vec<KeySink> {
    let imports = Imports::new(file);
    let index = &ws.keys;
    let mut raw: Vec<RawSink> = Vec::new();
    let mut join_receivers: Vec<ExprId> = Vec::new();
    for &(id, function) in &file.calls {
        let cx = Analyzer {
            file,
            ws,
            index,
            imports: &imports,
            function,
        };
        if let ExprKind::MethodCall {
            receiver, method, ..
        } = &file.expr(id).kind
        {
            if matches!(method.name.as_str(), "join" | "push") && cx.is_path_value(*receiver, 0) {
                join_receivers.push(file.strip(*receiver));
            }
        }
        if let Some(sink) = cx.sink_at(id) {
            raw.push(sink);
        } else {
            raw.extend(cx.forwarded_sinks(id));
        }
    }
    // A join whose result is joined again, or handed straight to a file sink, is part of that
    // larger path: only the outermost expression is a sink.
    let consumed: Vec<ExprId> = raw
        .iter()
        .filter(|s| s.family != Family::PathJoin)
        .map(|s| file.strip(s.key))
        .chain(join_receivers)
        .collect();
    raw.retain(|s| s.family != Family::PathJoin || !consumed.contains(&s.call_expr));
    // A store call on a path built by `Path::from(..)` in the same function: the constructor is the sink.
    let constructed: Vec<ExprId> = raw
        .iter()
        .filter(|s| s.op.starts_with("Path::"))
        .map(|s| s.call_expr)
        .collect();

    let mut sinks = Vec::new();
    // Once per function, not per sink: the question walks the whole body.
    let mut tenant_in_scope: HashMap<FnId, bool> = HashMap::new();
    for s in raw {
        let cx = Analyzer {
            file,
            ws,
            index,
            imports: &imports,
            function: s.function,
        };
        if s.family == Family::ObjectStore
            && !s.op.starts_with("Path::")
            && constructed.contains(&cx.resolve(s.key, 0))
        {
            continue;
        }
        let mut parts = KeyParts::default();
        if s.tenant_keyed {
            parts.tenant = Some(s.call);
        } else {
            cx.parts(s.key, 0, &mut parts);
            // A whole key bound by a pattern (a loop variable, a closure parameter) is built
            // where its collection is: no verdict here.
            if parts.is_single_value() && cx.is_untyped_pattern_binding(s.key) {
                parts.opaque = true;
            }
        }
        // `path.push(..)` extends a path built by earlier statements we do not replay; a key
        // handed to a backend lands under whatever root the backend joins it to.
        if s.op == "push" || s.op.contains("` → `") {
            parts.opaque = true;
        }
        // object_store's `Path::parse` rejects `..` and `Path::from`/`from_iter` percent-encode
        // it (`a/../b` becomes `a/%2E%2E/b`): neither can leave the prefix.
        let object_store_safe = matches!(
            s.op.as_str(),
            "Path::parse" | "Path::from" | "Path::from_iter"
        );
        let mut untrusted = if s.family.kind() == SinkKind::Storage && !object_store_safe {
            s.function
                .map(|f| request_input::untrusted_parts(file, f, s.key, ws))
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        for part in &mut untrusted {
            part.checked_by_lookup |= s.looked_up;
        }
        sinks.push(KeySink {
            family: s.family,
            op: s.op,
            call: s.call,
            key: file.expr(s.key).span,
            function: s.function,
            parts,
            untrusted,
            tenant_in_scope: s.function.is_some_and(|f| {
                *tenant_in_scope
                    .entry(f)
                    .or_insert_with(|| cx.tenant_in_scope(f))
            }),
            record_checked: record_checked_before(sql_sites, s.function, s.call, ws),
            value_from_key: s.value_from_key,
        });
    }
    sinks.extend(cached_fn_sinks(file, ws));
    sinks
}

struct RawSink {
    family: Family,
    op: String,
    call: Span,
    call_expr: ExprId,
    key: ExprId,
    function: Option<FnId>,
    tenant_keyed: bool,
    /// A forwarded key the callee looks up before it joins it.
    looked_up: bool,
    value_from_key: bool,
}

/// What a file's `use` items make of a single-segment name.
struct Imports {
    /// Local name → full path.
    names: HashMap<String, Vec<String>>,
    /// Crates glob-imported from (`use fred::prelude::*`), by root segment.
    globs: Vec<String>,
}

impl Imports {
    fn new(file: &RustFile) -> Imports {
        let mut names = HashMap::new();
        let mut globs = Vec::new();
        for u in &file.uses {
            if u.glob {
                globs.extend(u.path.first().cloned());
                continue;
            }
            let local = u.alias.clone().or_else(|| u.path.last().cloned());
            if let Some(local) = local {
                names.insert(local, u.path.clone());
            }
        }
        Imports { names, globs }
    }

    /// The full path a written path stands for, as far as the imports say.
    fn full(&self, segments: &[String]) -> Vec<String> {
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        match self.names.get(first) {
            Some(full) => full.iter().chain(&segments[1..]).cloned().collect(),
            None => segments.to_vec(),
        }
    }

    fn root_of(&self, segments: &[String]) -> Option<String> {
        self.full(segments)
            .into_iter()
            .find(|s| s != "crate" && s != "self" && s != "super")
    }
}

const REDIS_CRATES: &[&str] = &[
    "redis",
    "deadpool_redis",
    "bb8_redis",
    "fred",
    "r2d2_redis",
    "mobc_redis",
    "redis_pool",
];
const REDIS_TYPES: &[&str] = &[
    "Client",
    "Connection",
    "MultiplexedConnection",
    "ConnectionManager",
    "ClusterConnection",
    "ClusterClient",
    "Pool",
    "RedisPool",
    "RedisClient",
    "RedisConnectionManager",
    "Pipeline",
];
const MEMORY_CACHE_CRATES: &[&str] = &["moka", "mini_moka", "quick_cache", "cached", "stretto"];
const MEMORY_CACHE_TYPES: &[&str] = &[
    "Cache",
    "SegmentedCache",
    "SizedCache",
    "TimedCache",
    "TimedSizedCache",
    "UnboundCache",
    "AsyncCache",
];
const OBJECT_STORE_TYPES: &[&str] = &[
    "ObjectStore",
    "DynObjectStore",
    "AmazonS3",
    "GoogleCloudStorage",
    "MicrosoftAzure",
    "LocalFileSystem",
    "InMemory",
    "PrefixStore",
];
/// Types that hold a value without changing what it is: std holders and server-state extractors.
fn is_wrapper(name: &str) -> bool {
    crate::semantic::types::is_std_holder(name)
        || crate::knowledge::wrappers::SERVER_VALUE_WRAPPERS.contains(&name)
}

/// The client a declared type denotes.
fn client_of_ty(ty: &Ty, imports: &Imports, ws: &Workspace) -> Option<Client> {
    match ty {
        Ty::Ref(inner) => client_of_ty(inner, imports, ws),
        Ty::Other(text) => text
            .contains("ObjectStore")
            .then_some(Client::new(Family::ObjectStore, false)),
        Ty::Path(p) => {
            let name = p.last();
            if is_wrapper(name) {
                return p
                    .generics
                    .first()
                    .and_then(|t| client_of_ty(t, imports, ws));
            }
            let root = imports.root_of(&p.segments).unwrap_or_default();
            // A bare name nothing imports by name may come from a glob (`use fred::prelude::*`).
            let unqualified = p.segments.len() == 1 && !imports.names.contains_key(name);
            let from_glob = |crates: &[&str]| {
                unqualified && imports.globs.iter().any(|g| crates.contains(&g.as_str()))
            };
            let in_crate = |crates: &[&str]| crates.contains(&root.as_str());
            let family = if (in_crate(REDIS_CRATES) || from_glob(REDIS_CRATES))
                && REDIS_TYPES.contains(&name)
                || name.starts_with("Redis")
                    && !["Error", "Config", "Settings", "Options", "Url"]
                        .iter()
                        .any(|suffix| name.ends_with(suffix))
                || name == "Pool"
                    && p.generics
                        .iter()
                        .any(|g| g.mentions("RedisConnectionManager"))
            {
                Family::Redis
            } else if (in_crate(MEMORY_CACHE_CRATES) || from_glob(MEMORY_CACHE_CRATES))
                && MEMORY_CACHE_TYPES.contains(&name)
            {
                Family::MemoryCache
            } else if root == "aws_sdk_s3" && name == "Client" {
                Family::S3
            } else if OBJECT_STORE_TYPES.contains(&name)
                && (root == "object_store" || root == name || from_glob(&["object_store"]))
            {
                Family::ObjectStore
            } else if (root == "opendal" || from_glob(&["opendal"]))
                && matches!(name, "Operator" | "BlockingOperator")
            {
                Family::Opendal
            } else {
                return None;
            };
            let tenant_keyed = family == Family::MemoryCache
                && p.generics.first().is_some_and(|k| ty_has_tenant(k, ws));
            Some(Client::new(family, tenant_keyed))
        }
        _ => None,
    }
}

/// Std collections besides [`MAP_TYPES`]: their methods (`remove`, `insert`, `get`) work in
/// memory.
const IN_MEMORY_COLLECTIONS: &[&str] = &[
    "Vec",
    "VecDeque",
    "HashSet",
    "BTreeSet",
    "BinaryHeap",
    "LinkedList",
];

/// Map types that, held in a `static`, are a cache every request of the process shares.
const MAP_TYPES: &[&str] = &[
    "HashMap",
    "BTreeMap",
    "DashMap",
    "ClashMap",
    "FxHashMap",
    "AHashMap",
    "IndexMap",
];

/// A `static` map (`LazyLock<DashMap<K, V>>`, `OnceLock<RwLock<HashMap<K, V>>>`): one process-wide
/// table that every tenant's requests read and write, keyed like a cache.
fn shared_map(ty: &Ty, ws: &Workspace) -> Option<Client> {
    let Ty::Path(p) = unwrap_ty(ty) else {
        return None;
    };
    MAP_TYPES.contains(&p.last()).then(|| {
        Client::new(
            Family::ProcessMap,
            p.generics.first().is_some_and(|k| ty_has_tenant(k, ws)),
        )
    })
}

/// A key type that carries the tenant: `TenantId`, `(OrgId, Uuid)`, `CacheKey<TenantId>`.
fn ty_has_tenant(ty: &Ty, ws: &Workspace) -> bool {
    match ty {
        Ty::Path(p) => {
            is_tenant_ident(ws, p.last()) || p.generics.iter().any(|g| ty_has_tenant(g, ws))
        }
        Ty::Ref(t) | Ty::Slice(t) => ty_has_tenant(t, ws),
        Ty::Tuple(ts) => ts.iter().any(|t| ty_has_tenant(t, ws)),
        Ty::Other(_) => false,
    }
}

/// A type without the wrappers that hold it (`&State<Arc<AppState>>` → `AppState`).
fn unwrap_ty(ty: &Ty) -> &Ty {
    crate::semantic::types::peel(ty, &is_wrapper)
}

fn is_path_ty(ty: &Ty) -> bool {
    match ty {
        Ty::Path(p) if is_wrapper(p.last()) => p.generics.first().is_some_and(is_path_ty),
        Ty::Path(p) => {
            p.last() == "PathBuf"
                || p.last() == "Path"
                    && p.generics.is_empty()
                    && !p.segments.iter().any(|s| s == "object_store")
        }
        Ty::Ref(t) => is_path_ty(t),
        _ => false,
    }
}

/// Return types a key-building helper has.
fn is_key_like_ty(ty: &Ty) -> bool {
    matches!(ty.name(), "String" | "str" | "PathBuf" | "Path" | "Cow") || matches!(ty, Ty::Tuple(_))
}

fn tail_expr(body: &Block) -> Option<ExprId> {
    match body.stmts.last()? {
        Stmt::Expr { expr, semi: false } => Some(*expr),
        _ => None,
    }
}

/// A name of the tenant vocabulary: `tenant_id`, `org`, `current_tenant`, `TenantId`.
pub fn is_tenant_ident(ws: &Workspace, name: &str) -> bool {
    if ws.is_tenant_name(name) {
        return true;
    }
    let snake = crate::semantic::vocab::to_snake(name);
    ws.config
        .tenant_columns
        .iter()
        .chain(&ws.config.tenant_aliases)
        .filter_map(|c| {
            crate::semantic::vocab::to_snake(c)
                .strip_suffix("_id")
                .map(str::to_string)
        })
        .any(|stem| {
            snake == stem
                || snake
                    .strip_suffix(stem.as_str())
                    .is_some_and(|head| head.ends_with('_'))
                || snake
                    .strip_prefix(stem.as_str())
                    .is_some_and(|tail| tail.starts_with('_'))
                    && !snake.ends_with("_name")
                    && !snake.contains("_count")
        })
}

/// A value or type that is one tenant (`tenant`, `current_org`, `Tenant`, `TenantShard`), not
/// a registry of them (`TenantManager`).
fn is_tenant_entity(ws: &Workspace, name: &str) -> bool {
    let snake = crate::semantic::vocab::to_snake(name);
    ws.is_tenant_name(name)
        || ws
            .config
            .tenant_columns
            .iter()
            .chain(&ws.config.tenant_aliases)
            .filter_map(|c| {
                crate::semantic::vocab::to_snake(c)
                    .strip_suffix("_id")
                    .map(str::to_string)
            })
            .any(|stem| {
                snake == stem
                    || snake.ends_with(&format!("_{stem}"))
                    || snake == format!("{stem}_shard")
            })
}

/// Names of values that identify a record: `invoice_id`, `ids`, `doc_uuid`. A freshly
/// generated id (`Uuid::new_v4()`) names a new object, not one a client can ask for.
fn is_record_id_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    !n.ends_with("()") && (n.ends_with("id") || n.ends_with("ids") || n.contains("_id"))
}

/// Operations that drop or expire an entry: they cannot serve one tenant's data to another.
pub fn is_removal(op: &str) -> bool {
    matches!(
        op,
        "del"
            | "unlink"
            | "expire"
            | "expire_at"
            | "pexpire"
            | "persist"
            | "invalidate"
            | "remove"
            | "cache_remove"
            | "hdel"
            | "srem"
            | "zrem"
            | "zrembyscore"
            | "ltrim"
    )
}

/// Names of string values that may well carry a tenant prefix already (a forwarded key).
fn is_opaque_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.len() <= 1
        || [
            "key",
            "prefix",
            "path",
            "namespace",
            "scope",
            "dir",
            "root",
            "base",
            "bucket",
            "location",
            "url",
            "uri",
            "folder",
            "loc",
            "dest",
            "src",
            "target",
            "parent",
        ]
        .iter()
        .any(|s| n.contains(s))
}

fn is_string_ty(ty: &Ty) -> bool {
    match ty {
        Ty::Ref(t) => is_string_ty(t),
        Ty::Path(p) if is_wrapper(p.last()) => p.generics.first().is_some_and(is_string_ty),
        Ty::Path(p) => {
            matches!(
                p.last(),
                "String" | "str" | "Path" | "PathBuf" | "OsStr" | "OsString"
            ) || p.segments.len() == 1 && p.last().len() == 1
        }
        Ty::Other(t) => t.contains("AsRef") || t.contains("Display") || t.contains("ToString"),
        _ => false,
    }
}

const REDIS_COMMANDS: &[&str] = &[
    "get",
    "set",
    "set_ex",
    "set_nx",
    "pset_ex",
    "set_options",
    "set_multiple",
    "mget",
    "mset",
    "del",
    "unlink",
    "exists",
    "incr",
    "incr_by",
    "decr",
    "expire",
    "expire_at",
    "pexpire",
    "ttl",
    "persist",
    "getset",
    "get_del",
    "get_ex",
    "append",
    "hget",
    "hset",
    "hset_nx",
    "hset_multiple",
    "hmset",
    "hgetall",
    "hdel",
    "hincr",
    "hexists",
    "hkeys",
    "hvals",
    "hlen",
    "sadd",
    "srem",
    "smembers",
    "sismember",
    "scard",
    "zadd",
    "zadd_multiple",
    "zrem",
    "zrange",
    "zrangebyscore",
    "zrevrange",
    "zincr",
    "zscore",
    "zcard",
    "zrembyscore",
    "lpush",
    "rpush",
    "lpop",
    "rpop",
    "lrange",
    "ltrim",
    "llen",
    "publish",
    "xadd",
    "pfadd",
    "setbit",
    "getbit",
    "rename",
];
const MEMORY_CACHE_METHODS: &[&str] = &[
    "get",
    "insert",
    "get_with",
    "get_with_by_ref",
    "try_get_with",
    "try_get_with_by_ref",
    "optionally_get_with",
    "entry",
    "entry_by_ref",
    "invalidate",
    "remove",
    "contains_key",
    "get_or_insert_with",
    "get_or_insert_async",
    "get_value_or_guard",
    "get_value_or_guard_async",
    "cache_get",
    "cache_set",
    "cache_remove",
    "peek",
    "get_mut",
];
/// Zero-argument methods that turn a client or pool into a connection of the same family.
const CONNECTION_GETTERS: &[&str] = &[
    "get",
    "get_connection",
    "get_async_connection",
    "get_multiplexed_async_connection",
    "get_multiplexed_tokio_connection",
    "get_connection_manager",
    "get_owned",
    "lock",
    "read",
    "write",
    "clone",
    "as_ref",
    "deref",
    "next",
    "connection",
    "conn",
    "atomic",
    "ignore",
];
const S3_OPERATIONS: &[&str] = &[
    "put_object",
    "get_object",
    "delete_object",
    "head_object",
    "copy_object",
    "create_multipart_upload",
    "upload_part",
    "upload_part_copy",
    "complete_multipart_upload",
    "abort_multipart_upload",
    "get_object_attributes",
    "list_objects_v2",
    "list_objects",
    "put_object_acl",
    "get_object_acl",
    "get_object_tagging",
    "put_object_tagging",
    "restore_object",
    "list_parts",
    "list_multipart_uploads",
    "delete_objects",
];
const S3_KEY_SETTERS: &[&str] = &["key", "prefix", "copy_source", "set_key", "set_prefix"];
const OBJECT_STORE_METHODS: &[&str] = &[
    "put",
    "put_opts",
    "put_multipart",
    "put_multipart_opts",
    "get",
    "get_opts",
    "get_range",
    "get_ranges",
    "head",
    "delete",
    "list",
    "list_with_offset",
    "list_with_delimiter",
    "copy",
    "rename",
    "copy_if_not_exists",
    "rename_if_not_exists",
];
const OPENDAL_METHODS: &[&str] = &[
    "read",
    "read_with",
    "write",
    "write_with",
    "delete",
    "stat",
    "list",
    "list_with",
    "reader",
    "writer",
    "writer_with",
    "create_dir",
    "remove_all",
    "exists",
    "is_exist",
    "copy",
    "rename",
    "presign_read",
    "presign_write",
    "presign_stat",
    "lister",
];
const FS_FUNCTIONS: &[&str] = &[
    "read",
    "read_to_string",
    "write",
    "remove_file",
    "remove_dir",
    "remove_dir_all",
    "create_dir",
    "create_dir_all",
    "copy",
    "rename",
    "metadata",
    "read_dir",
    "hard_link",
    "symlink_metadata",
];

struct Analyzer<'a> {
    file: &'a RustFile,
    ws: &'a Workspace,
    index: &'a KeyIndex,
    imports: &'a Imports,
    function: Option<FnId>,
}

impl Analyzer<'_> {
    fn expr(&self, id: ExprId) -> &Expr {
        self.file.expr(id)
    }

    /// The sink at one call, if it is one.
    fn sink_at(&self, id: ExprId) -> Option<RawSink> {
        let file = self.file;
        let expr = self.expr(id);
        let sink =
            |family: Family, op: String, call: Span, key: ExprId, tenant_keyed: bool| RawSink {
                family,
                op,
                call,
                call_expr: id,
                key,
                function: self.function,
                tenant_keyed,
                looked_up: false,
                value_from_key: false,
            };
        match &expr.kind {
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } => {
                let name = method.name.as_str();
                let first = *args.first()?;
                if S3_KEY_SETTERS.contains(&name) && args.len() == 1 {
                    let op = self.s3_operation(*receiver)?;
                    let key = if name == "set_key" || name == "set_prefix" {
                        unwrap_some(file, first)
                    } else {
                        first
                    };
                    return Some(sink(Family::S3, op, method.span, key, false));
                }
                if name == "arg" && self.is_redis_cmd(*receiver) {
                    return Some(sink(
                        Family::Redis,
                        "cmd(..).arg".into(),
                        method.span,
                        first,
                        false,
                    ));
                }
                if matches!(name, "join" | "push")
                    && args.len() == 1
                    && self.is_path_value(*receiver, 0)
                {
                    return Some(sink(Family::PathJoin, name.into(), method.span, id, false));
                }
                if name == "open" && args.len() == 1 && self.chain_root_is(*receiver, "OpenOptions")
                {
                    return Some(sink(
                        Family::Fs,
                        "OpenOptions::open".into(),
                        method.span,
                        first,
                        false,
                    ));
                }
                let client = self.client_of(*receiver, 0)?;
                let known = match client.family {
                    Family::Redis => REDIS_COMMANDS.contains(&name),
                    Family::MemoryCache | Family::ProcessMap => {
                        MEMORY_CACHE_METHODS.contains(&name)
                    }
                    Family::ObjectStore => OBJECT_STORE_METHODS.contains(&name),
                    Family::Opendal => OPENDAL_METHODS.contains(&name),
                    _ => false,
                };
                if !known {
                    return None;
                }
                let key = if client.family == Family::ObjectStore && name.starts_with("list") {
                    unwrap_some(file, first)
                } else {
                    first
                };
                if client.family == Family::ObjectStore && self.is_none(key) {
                    return None;
                }
                let scoped = client.tenant_keyed || self.is_tenant_scoped(*receiver);
                Some(RawSink {
                    value_from_key: client.value_from_key,
                    ..sink(client.family, name.into(), method.span, key, scoped)
                })
            }
            ExprKind::Call { func, args } => {
                let ExprKind::Path(path) = &self.expr(*func).kind else {
                    return None;
                };
                let first = *args.first()?;
                let full = self.imports.full(&path.segments);
                let last = path.last();
                let tail2 = full.len() >= 2 && full[full.len() - 2] == "Path";
                if tail2
                    && matches!(last, "from" | "parse" | "from_iter")
                    && is_object_store_path(&full)
                {
                    return Some(sink(
                        Family::ObjectStore,
                        format!("Path::{last}"),
                        expr.span,
                        first,
                        false,
                    ));
                }
                if FS_FUNCTIONS.contains(&last) && full.len() >= 2 && full[full.len() - 2] == "fs" {
                    return Some(sink(
                        Family::Fs,
                        format!("fs::{last}"),
                        expr.span,
                        first,
                        false,
                    ));
                }
                if matches!(last, "open" | "create" | "create_new") && full.len() >= 2 {
                    let ty = &full[full.len() - 2];
                    let owner = self.imports.full(std::slice::from_ref(ty));
                    if ty == "File" && owner.iter().any(|s| s == "fs" || s == "File") {
                        return Some(sink(
                            Family::Fs,
                            format!("File::{last}"),
                            expr.span,
                            first,
                            false,
                        ));
                    }
                    if ty == "NamedFile" {
                        return Some(sink(
                            Family::FileResponse,
                            format!("NamedFile::{last}"),
                            expr.span,
                            first,
                            false,
                        ));
                    }
                }
                if path.ends_with(&["ServeFile", "new"]) {
                    return Some(sink(
                        Family::FileResponse,
                        "ServeFile::new".into(),
                        expr.span,
                        first,
                        false,
                    ));
                }
                None
            }
            _ => None,
        }
    }

    /// A call to a workspace function that hands this argument to a storage path
    /// (`storage.read(&key)` where `read` does `self.base.join(key)` and opens it).
    fn forwarded_sinks(&self, id: ExprId) -> Vec<RawSink> {
        let (name, args, span, receiver) = match &self.expr(id).kind {
            // A method of a library client (`cache.remove(&id)`) is not the workspace function
            // of that name.
            ExprKind::MethodCall { receiver, .. } if self.client_of(*receiver, 0).is_some() => {
                return Vec::new()
            }
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } => (method.name.as_str(), args, method.span, Some(*receiver)),
            ExprKind::Call { func, args } => match &self.expr(*func).kind {
                ExprKind::Path(p) => (p.last(), args, self.expr(*func).span, None),
                _ => return Vec::new(),
            },
            _ => return Vec::new(),
        };
        let Some(Some(PathParams {
            params,
            family,
            op,
            owners,
        })) = self.index.path_params.get(name)
        else {
            return Vec::new();
        };
        // `map.remove(&id)` on a `HashMap`, `other.read(key)` on a workspace struct that is not
        // the one whose `read` joins: a same-named method of another type. A receiver whose type
        // is unknown (a generic, `dyn Trait`, an untyped binding) may be the backend.
        if let Some(ty) = receiver.and_then(|r| self.receiver_type(r)) {
            if !owners.contains(&ty) && self.is_known_type(&ty) {
                return Vec::new();
            }
        }
        // The callee's own body is where the path is built: judged there, not here.
        if self
            .function
            .is_some_and(|f| self.file.function(f).name.name == name)
        {
            return Vec::new();
        }
        params
            .iter()
            .filter_map(|p| Some((args.get(p.position)?, p.looked_up)))
            .map(|(&key, looked_up)| RawSink {
                family: *family,
                op: format!("{name}` → `{op}"),
                call: span,
                call_expr: id,
                key,
                function: self.function,
                tenant_keyed: false,
                looked_up,
                value_from_key: false,
            })
            .collect()
    }

    /// The type a method's receiver is declared as, by its last segment through std holders:
    /// `self`, a typed parameter or `let`, a `static` of this file, or a field of one of those
    /// as its struct declares it.
    fn receiver_type(&self, id: ExprId) -> Option<String> {
        let id = self.file.strip(id);
        match &self.expr(id).kind {
            ExprKind::Path(p) if p.segments.len() == 1 => {
                if let Some(owner) = self.struct_of(id) {
                    return Some(owner);
                }
                let name = p.last();
                if self.binding_init(name, self.expr(id).span.start).is_some() {
                    return None;
                }
                self.file
                    .consts
                    .iter()
                    .find(|c| c.name.name == name)
                    .map(|c| unwrap_ty(&c.ty).name().to_string())
            }
            ExprKind::Field { base, member } => {
                let owner = self.receiver_type(*base)?;
                let (_, ty) = self
                    .index
                    .struct_fields
                    .get(&owner)?
                    .iter()
                    .find(|(n, _)| *n == member.name)?;
                Some(unwrap_ty(ty).name().to_string())
            }
            _ => None,
        }
    }

    /// A type whose methods are known: a struct the workspace declares, or a std or shared map
    /// or collection (in memory: no path is built).
    fn is_known_type(&self, name: &str) -> bool {
        self.index.struct_fields.contains_key(name)
            || MAP_TYPES.contains(&name)
            || IN_MEMORY_COLLECTIONS.contains(&name)
    }

    fn is_none(&self, id: ExprId) -> bool {
        matches!(&self.expr(self.file.strip(id)).kind, ExprKind::Path(p) if p.is_ident("None"))
    }

    /// The S3 operation a builder chain starts with: `client.put_object().bucket(..)`.
    fn s3_operation(&self, mut id: ExprId) -> Option<String> {
        let mut saw_bucket = false;
        for _ in 0..32 {
            match &self.expr(self.file.strip(id)).kind {
                ExprKind::MethodCall {
                    receiver,
                    method,
                    args,
                    ..
                } => {
                    if S3_OPERATIONS.contains(&method.name.as_str()) && args.is_empty() {
                        let typed = self
                            .client_of(*receiver, 0)
                            .is_some_and(|c| c.family == Family::S3);
                        return (typed || saw_bucket).then(|| method.name.clone());
                    }
                    saw_bucket |= method.name == "bucket";
                    id = *receiver;
                }
                _ => return None,
            }
        }
        None
    }

    /// `redis::cmd("GET")` (possibly with earlier `.arg`s: only the first `.arg` is the key).
    fn is_redis_cmd(&self, id: ExprId) -> bool {
        let ExprKind::Call { func, .. } = &self.expr(self.file.strip(id)).kind else {
            return false;
        };
        let ExprKind::Path(p) = &self.expr(*func).kind else {
            return false;
        };
        // Only commands whose first argument is a key: not `AUTH`, `SELECT`, `EVAL`...
        let ExprKind::Call { args, .. } = &self.expr(self.file.strip(id)).kind else {
            return false;
        };
        let is_key_command = args
            .first()
            .and_then(|a| self.file.static_str(*a))
            .is_some_and(|c| {
                let c = c.to_ascii_lowercase();
                REDIS_COMMANDS.contains(&c.as_str())
                    || matches!(
                        c.as_str(),
                        "setex"
                            | "psetex"
                            | "setnx"
                            | "getdel"
                            | "getex"
                            | "incrby"
                            | "hincrby"
                            | "hmget"
                            | "json.get"
                            | "json.set"
                    )
            });
        p.last() == "cmd"
            && is_key_command
            && self
                .imports
                .full(&p.segments)
                .iter()
                .any(|s| REDIS_CRATES.contains(&s.as_str()))
    }

    /// A cache reached through a tenant (`tenant.cache`, `self.cache` in `impl Tenant`) holds
    /// one tenant's entries only.
    fn is_tenant_scoped(&self, mut id: ExprId) -> bool {
        for _ in 0..8 {
            match &self.expr(self.file.strip(id)).kind {
                ExprKind::Field { base, member } => {
                    if is_tenant_entity(self.ws, &member.name) {
                        return true;
                    }
                    id = *base;
                }
                ExprKind::MethodCall { receiver, args, .. } if args.is_empty() => id = *receiver,
                ExprKind::Path(p) if p.is_ident("self") => {
                    return self
                        .function
                        .and_then(|f| self.file.function(f).owner.as_ref())
                        .is_some_and(|o| is_tenant_entity(self.ws, unwrap_ty(&o.self_ty).name()))
                }
                ExprKind::Path(p) => {
                    return p.segments.len() == 1 && is_tenant_entity(self.ws, p.last())
                }
                _ => return false,
            }
        }
        false
    }

    fn chain_root_is(&self, mut id: ExprId, ty: &str) -> bool {
        for _ in 0..16 {
            match &self.expr(self.file.strip(id)).kind {
                ExprKind::MethodCall { receiver, .. } => id = *receiver,
                ExprKind::Call { func, .. } => {
                    return matches!(&self.expr(*func).kind, ExprKind::Path(p) if p.segments.iter().any(|s| s == ty))
                }
                _ => return false,
            }
        }
        false
    }

    /// The client an expression evaluates to, from declared types and constructors.
    fn client_of(&self, id: ExprId, depth: u32) -> Option<Client> {
        if depth > MAX_DEPTH {
            return None;
        }
        let id = self.file.strip(id);
        let expr = self.expr(id);
        match &expr.kind {
            ExprKind::Path(p) if p.segments.len() == 1 => {
                let name = p.last();
                if let Some(ty) = self.declared_ty(name, expr.span.start) {
                    return client_of_ty(&ty, self.imports, self.ws);
                }
                if let Some(init) = self.binding_init(name, expr.span.start) {
                    return self.client_of(init, depth + 1);
                }
                self.index.client_statics.get(name).copied()
            }
            ExprKind::Path(p) => self.index.client_statics.get(p.last()).copied(),
            ExprKind::Field { base, member } => match self.struct_of(*base) {
                Some(owner) if self.index.struct_fields.contains_key(&owner) => self
                    .index
                    .struct_clients
                    .get(&(owner, member.name.clone()))
                    .copied(),
                _ => self
                    .index
                    .client_fields
                    .get(&member.name)
                    .copied()
                    .flatten(),
            },
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } => {
                let name = method.name.as_str();
                if let Some(c) = self.index.client_fns.get(name) {
                    return Some(*c);
                }
                let inner = self.client_of(*receiver, depth + 1);
                match inner {
                    Some(c) if args.is_empty() && CONNECTION_GETTERS.contains(&name) => Some(c),
                    // `OnceLock::get_or_init(..)`: the value the static holds.
                    Some(c) if matches!(name, "get_or_init" | "get_or_try_init") => Some(c),
                    // Pipelines return themselves from each command.
                    Some(c)
                        if c.family == Family::Redis
                            && (REDIS_COMMANDS.contains(&name)
                                || name == "cmd"
                                || name == "arg") =>
                    {
                        Some(c)
                    }
                    _ => self.constructed_client(id),
                }
            }
            ExprKind::Call { func, .. } => {
                if let ExprKind::Path(p) = &self.expr(*func).kind {
                    if let Some(c) = self.index.client_fns.get(p.last()) {
                        return Some(*c);
                    }
                }
                self.constructed_client(id)
            }
            _ => None,
        }
    }

    fn is_untyped_pattern_binding(&self, id: ExprId) -> bool {
        let id = self.resolve(id, 0);
        let expr = self.expr(id);
        match &expr.kind {
            ExprKind::Path(p) if p.segments.len() == 1 => {
                self.binding_init(p.last(), expr.span.start).is_none()
                    && self.declared_ty(p.last(), expr.span.start).is_none()
            }
            _ => false,
        }
    }

    /// The struct a value is declared as: `self` in an impl, a typed parameter or `let`.
    fn struct_of(&self, id: ExprId) -> Option<String> {
        let id = self.file.strip(id);
        let ExprKind::Path(p) = &self.expr(id).kind else {
            return None;
        };
        let name = p.last();
        if p.segments.len() != 1 {
            return None;
        }
        let ty = if name == "self" {
            self.file
                .function(self.function?)
                .owner
                .as_ref()?
                .self_ty
                .clone()
        } else {
            self.declared_ty(name, self.expr(id).span.start)?
        };
        Some(unwrap_ty(&ty).name().to_string())
    }

    /// Well-known constructors: `redis::Client::open`, `redis::pipe()`, `Cache::new`,
    /// `Cache::builder()...build()`, `aws_sdk_s3::Client::new`, `AmazonS3Builder...build()`,
    /// `Operator::new(..)...finish()`.
    fn constructed_client(&self, id: ExprId) -> Option<Client> {
        let mut cur = id;
        for _ in 0..16 {
            match &self.expr(self.file.strip(cur)).kind {
                ExprKind::MethodCall { receiver, .. } => cur = *receiver,
                ExprKind::Call { func, .. } => {
                    let ExprKind::Path(p) = &self.expr(*func).kind else {
                        return None;
                    };
                    if p.segments.len() < 2 && p.last() != "pipe" {
                        return None;
                    }
                    let ty = Ty::Path(Path {
                        segments: p.segments[..p.segments.len().saturating_sub(1)].to_vec(),
                        generics: p.generics.clone(),
                    });
                    if p.last() == "pipe" {
                        let full = self.imports.full(&p.segments);
                        return full
                            .iter()
                            .any(|s| s == "redis")
                            .then_some(Client::new(Family::Redis, false));
                    }
                    let builder_family = match p.segments.iter().rev().nth(1).map(String::as_str) {
                        Some(
                            "AmazonS3Builder"
                            | "GoogleCloudStorageBuilder"
                            | "MicrosoftAzureBuilder",
                        ) => Some(Family::ObjectStore),
                        _ => None,
                    };
                    if let Some(family) = builder_family {
                        return Some(Client::new(family, false));
                    }
                    return client_of_ty(&ty, self.imports, self.ws);
                }
                _ => return None,
            }
        }
        None
    }

    /// Whether an expression is a `std::path` value: `Path::new(..)`, `PathBuf::from(..)`,
    /// a binding or field declared as a path, or a join of one.
    fn is_path_value(&self, id: ExprId, depth: u32) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let id = self.file.strip(id);
        let expr = self.expr(id);
        match &expr.kind {
            ExprKind::Path(p) if p.segments.len() == 1 => {
                let name = p.last();
                if let Some(ty) = self.declared_ty(name, expr.span.start) {
                    return is_path_ty(&ty);
                }
                self.binding_init(name, expr.span.start)
                    .is_some_and(|init| self.is_path_value(init, depth + 1))
            }
            ExprKind::Field { member, .. } => self.index.path_fields.contains(&member.name),
            ExprKind::MethodCall {
                receiver, method, ..
            } => {
                matches!(
                    method.name.as_str(),
                    "join" | "with_extension" | "with_file_name" | "to_path_buf" | "parent"
                ) && self.is_path_value(*receiver, depth + 1)
            }
            ExprKind::Call { func, .. } => match &self.expr(*func).kind {
                ExprKind::Path(p) => {
                    let full = self.imports.full(&p.segments);
                    let owner = full.iter().rev().nth(1).map(String::as_str);
                    !full.iter().any(|s| s == "object_store")
                        && (matches!(owner, Some("PathBuf"))
                            || owner == Some("Path") && p.last() == "new"
                            || p.last() == "temp_dir"
                            || p.last() == "current_dir")
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// The declared type of a binding visible at `offset`: a `let` annotation or a parameter.
    fn declared_ty(&self, name: &str, offset: u32) -> Option<Ty> {
        let f = self.file.function(self.function?);
        // The let index built at lowering: a query costs the `let`s of that name at most.
        if let Some(typed) = f.lets.last_named(name, offset, true) {
            return typed.ty.clone();
        }
        if self.binding_init(name, offset).is_some() {
            return None;
        }
        f.params
            .iter()
            .find_map(|p| param_binding_ty(self.file, p.pat, &p.ty, name))
    }

    /// The initializer of the last `let name = ..` that ends before `offset`.
    /// The positions (after `self`) of the function's parameters that a key expression is
    /// built from, through the `let`s between them.
    fn params_reached(&self, id: ExprId, depth: u32, reached: &mut Vec<usize>) {
        let Some(f) = self.function.filter(|_| depth <= MAX_DEPTH) else {
            return;
        };
        let func = self.file.function(f);
        self.file.walk_expr(id, &mut |e| {
            let ExprKind::Path(p) = &self.expr(e).kind else {
                return;
            };
            if p.segments.len() != 1 {
                return;
            }
            let name = p.last();
            let params = func.params.iter().filter(|p| !self.file.is_self_param(p));
            for (i, param) in params.enumerate() {
                let mut names = Vec::new();
                self.file.bindings(param.pat, &mut names);
                if names.iter().any(|(n, _)| n == name) {
                    reached.push(i);
                    return;
                }
            }
            if let Some(init) = self.binding_init(name, self.expr(e).span.start) {
                self.params_reached(init, depth + 1, reached);
            }
        });
    }

    fn binding_init(&self, name: &str, offset: u32) -> Option<ExprId> {
        let f = self.file.function(self.function?);
        crate::semantic::bindings::reaching_let_in(self.file, f, name, offset)
    }

    /// Resolves a plain binding to its initializer, through a chain of `let`s.
    fn resolve(&self, id: ExprId, depth: u32) -> ExprId {
        let id = self.file.strip(id);
        if depth > MAX_DEPTH {
            return id;
        }
        match &self.expr(id).kind {
            ExprKind::Path(p) if p.segments.len() == 1 => {
                match self.binding_init(p.last(), self.expr(id).span.start) {
                    Some(init) => self.resolve(init, depth + 1),
                    None => id,
                }
            }
            _ => id,
        }
    }

    /// Whether the function holds a tenant value: a parameter, binding or field read named so.
    fn tenant_in_scope(&self, f: FnId) -> bool {
        let func = self.file.function(f);
        let mut names = Vec::new();
        for p in &func.params {
            self.file.bindings(p.pat, &mut names);
            if ty_has_tenant(&p.ty, self.ws) {
                return true;
            }
        }
        if names.iter().any(|(n, _)| is_tenant_ident(self.ws, n)) {
            return true;
        }
        let mut found = false;
        self.file.walk_block(&func.body, &mut |id| {
            if let ExprKind::Field { member, .. } = &self.expr(id).kind {
                found |= is_tenant_ident(self.ws, &member.name);
            }
            if let ExprKind::Path(p) = &self.expr(id).kind {
                found |= p.segments.len() == 1 && is_tenant_ident(self.ws, p.last());
            }
        });
        found
    }

    /// A call or method named like the tenant, or a summarised key helper: records the part and
    /// returns true; otherwise leaves `out` alone.
    fn named_part(&self, name: &str, span: Span, out: &mut KeyParts) -> bool {
        if is_tenant_ident(self.ws, name) {
            out.tenant.get_or_insert(span);
            return true;
        }
        match self.index.helpers.get(name) {
            Some(HelperSummary::Tenant) => {
                out.tenant.get_or_insert(span);
                true
            }
            Some(HelperSummary::Untenanted) => {
                out.runtime(span, format!("{name}()"));
                true
            }
            _ => false,
        }
    }

    /// Collects what a key expression is built from.
    fn parts(&self, id: ExprId, depth: u32, out: &mut KeyParts) {
        if depth > MAX_DEPTH {
            out.unknown();
            return;
        }
        let id = self.file.strip(id);
        let expr = self.expr(id);
        let span = expr.span;
        match &expr.kind {
            ExprKind::Lit(Lit::Str(s)) => out.literal(&s.value),
            ExprKind::Lit(_) => out.literal("?"),
            ExprKind::Path(p) if p.segments.len() == 1 => {
                self.name_part(p.last(), span, depth, out)
            }
            ExprKind::Path(p) => {
                if is_tenant_ident(self.ws, p.last()) {
                    out.tenant.get_or_insert(span);
                } else if let Some(v) = self.ws.const_string(p.last()) {
                    out.literal(v);
                } else if p
                    .last()
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
                {
                    out.unknown();
                } else {
                    out.literal("");
                }
            }
            ExprKind::Field { member, .. } => {
                if self.field_chain_has_tenant(id) {
                    out.tenant.get_or_insert(span);
                } else if is_opaque_name(&member.name) {
                    out.unknown();
                } else {
                    out.runtime(span, member.name.clone());
                }
            }
            ExprKind::Macro(m) => self.macro_parts(m, span, depth, out),
            ExprKind::Binary {
                op: BinOp::Add,
                lhs,
                rhs,
            } => {
                self.base_parts(*lhs, depth, out);
                self.parts(*rhs, depth + 1, out);
            }
            ExprKind::Tuple(items) | ExprKind::Array(items) => {
                for item in items {
                    self.parts(*item, depth + 1, out);
                }
            }
            ExprKind::Struct { fields, .. } => {
                for (name, value) in fields {
                    if is_tenant_ident(self.ws, &name.name) {
                        out.tenant.get_or_insert(name.span);
                    } else {
                        self.parts(*value, depth + 1, out);
                    }
                }
            }
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } => {
                let name = method.name.as_str();
                if self.named_part(name, span, out) {
                    return;
                }
                match name {
                    "join" | "push" | "concat" | "with_file_name" | "with_extension" | "child" => {
                        self.base_parts(*receiver, depth, out);
                        for a in args {
                            self.parts(*a, depth + 1, out);
                        }
                    }
                    "to_lowercase" | "to_uppercase" | "trim" | "replace" | "trim_start_matches"
                    | "trim_end_matches" | "trim_matches" | "simple" | "hyphenated"
                    | "as_simple" | "as_hyphenated" | "to_path_buf" | "display" | "file_name"
                    | "to_string_lossy" | "into_owned" | "unwrap_or_default" => {
                        self.parts(*receiver, depth + 1, out)
                    }
                    _ => out.unknown(),
                }
            }
            ExprKind::Call { func, args } => {
                let ExprKind::Path(p) = &self.expr(*func).kind else {
                    out.unknown();
                    return;
                };
                let last = p.last();
                if self.named_part(last, span, out) {
                    return;
                }
                let owner = p.segments.iter().rev().nth(1).map(String::as_str);
                if matches!(last, "new_v4" | "new_v7" | "now_v7" | "new" | "generate")
                    && matches!(owner, Some("Uuid" | "Ulid" | "Ksuid" | "ObjectId"))
                {
                    out.runtime(span, format!("{}::{last}()", owner.unwrap_or("")));
                } else if matches!(owner, Some("Path" | "PathBuf")) {
                    for a in args {
                        self.base_parts(*a, depth, out);
                    }
                } else if matches!(owner, Some("String" | "Cow" | "OsStr")) || p.is_ident("Some") {
                    for a in args {
                        self.parts(*a, depth + 1, out);
                    }
                } else if is_tenant_ident(self.ws, owner.unwrap_or("")) {
                    // `TenantId::from(..)`, `OrgId::new(..)`.
                    out.tenant.get_or_insert(span);
                } else {
                    out.unknown();
                }
            }
            ExprKind::Index { base, .. } => self.parts(*base, depth + 1, out),
            _ => out.unknown(),
        }
    }

    /// The start of a key or path: a runtime root that is not a record id is a location that may
    /// already be the tenant's, so the key has no verdict.
    fn base_parts(&self, id: ExprId, depth: u32, out: &mut KeyParts) {
        let mut base = KeyParts::default();
        self.parts(id, depth + 1, &mut base);
        if out.is_empty() && base.starts_at_location() {
            base.opaque = true;
        }
        out.merge(base);
    }

    /// A plain name in a key: a tenant binding, a local built elsewhere in the function, a
    /// parameter, or a const.
    fn name_part(&self, name: &str, span: Span, depth: u32, out: &mut KeyParts) {
        if is_tenant_ident(self.ws, name) {
            out.tenant.get_or_insert(span);
            return;
        }
        if let Some(init) = self.binding_init(name, span.start) {
            self.parts(init, depth + 1, out);
            return;
        }
        if let Some(v) = self.ws.const_string(name) {
            out.literal(v);
            return;
        }
        if is_const_name(name) {
            // A const or static this file cannot read: fixed text all the same.
            out.literal("");
            out.prefix_closed = true;
            return;
        }
        let ty = self.declared_ty(name, span.start);
        if ty.as_ref().is_some_and(|t| ty_has_tenant(t, self.ws)) {
            out.tenant.get_or_insert(span);
            return;
        }
        // A key type of its own (`EndpointCacheKey`) is built where it is constructed.
        if ty
            .as_ref()
            .is_some_and(|t| is_opaque_name(unwrap_ty(t).name()))
        {
            out.unknown();
            return;
        }
        // A key string handed in by the caller is built there; so is anything named like one.
        let string_param = ty.as_ref().is_some_and(is_string_ty)
            && out.dynamic.is_empty()
            && out.prefix.is_empty();
        if is_opaque_name(name) || string_param {
            out.unknown();
        } else {
            out.runtime(span, name.to_string());
        }
    }

    fn field_chain_has_tenant(&self, mut id: ExprId) -> bool {
        for _ in 0..8 {
            match &self.expr(self.file.strip(id)).kind {
                ExprKind::Field { base, member } => {
                    if is_tenant_ident(self.ws, &member.name) {
                        return true;
                    }
                    id = *base;
                }
                ExprKind::Path(p) => {
                    return p.segments.len() == 1 && is_tenant_ident(self.ws, p.last())
                }
                ExprKind::MethodCall { method, .. } => {
                    return is_tenant_ident(self.ws, &method.name)
                }
                _ => return false,
            }
        }
        false
    }

    fn macro_parts(&self, m: &MacroCall, span: Span, depth: u32, out: &mut KeyParts) {
        let name = m.path.last();
        let MacroArgs::List(args) = &m.args else {
            out.unknown();
            return;
        };
        match name {
            "format" | "concat" | "format_args" => {}
            _ => {
                out.unknown();
                return;
            }
        }
        let mut rest = args.iter();
        if name != "concat" {
            let Some(fmt) = rest.next() else { return };
            let Some(lit) = self.file.str_lit(fmt.expr) else {
                out.unknown();
                return;
            };
            let named: Vec<&MacroArg> = args.iter().skip(1).collect();
            let mut positional = named.iter().filter(|a| a.name.is_none());
            let at_start = out.is_empty();
            for (i, piece) in parse_template(&lit.value).into_iter().enumerate() {
                if i == 1 && at_start && out.starts_at_location() {
                    out.opaque = true;
                }
                let arg = match piece {
                    Piece::Text { value, .. } => {
                        out.literal(&value);
                        continue;
                    }
                    Piece::Hole { arg, .. } => arg,
                };
                match arg {
                    HoleArg::Next => match positional.next() {
                        Some(a) => self.parts(a.expr, depth + 1, out),
                        None => out.unknown(),
                    },
                    HoleArg::Index(i) => match named.iter().filter(|a| a.name.is_none()).nth(i) {
                        Some(a) => self.parts(a.expr, depth + 1, out),
                        None => out.unknown(),
                    },
                    HoleArg::Named(n) => {
                        match named
                            .iter()
                            .find(|a| a.name.as_ref().is_some_and(|i| i.name == n))
                        {
                            Some(a) => self.parts(a.expr, depth + 1, out),
                            None => self.name_part(&n, span, depth + 1, out),
                        }
                    }
                }
            }
            return;
        }
        for a in rest {
            self.parts(a.expr, depth + 1, out);
        }
    }
}

fn record_checked_before(
    sql_sites: &[SqlSite],
    function: Option<FnId>,
    call: Span,
    ws: &Workspace,
) -> bool {
    function.is_some()
        && sql_sites.iter().any(|site| {
            site.function == function
                && site.call_span.end <= call.start
                && site
                    .text
                    .text
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|word| ws.is_tenant_column(word))
        })
}

/// Whether a full path names object_store's `Path` (`object_store::path::Path`, or `Path`
/// imported from there under any name). Crates re-export it
/// (`my_storage::reexports::Path`).
fn is_object_store_path(full: &[String]) -> bool {
    full.iter().any(|s| s.contains("object_store"))
}

/// `Some(x)` → `x`.
fn unwrap_some(file: &RustFile, id: ExprId) -> ExprId {
    match &file.expr(file.strip(id)).kind {
        ExprKind::Call { func, args } if args.len() == 1 => match &file.expr(*func).kind {
            ExprKind::Path(p) if p.is_ident("Some") => args[0],
            _ => id,
        },
        _ => id,
    }
}

/// The type a parameter pattern gives `name`: `x: T`, `Path(x): Path<T>`, `State(s): State<S>`,
/// `Path((a, b)): Path<(A, B)>`.
pub fn param_binding_ty(file: &RustFile, pat: PatId, ty: &Ty, name: &str) -> Option<Ty> {
    match &file.pat(pat).kind {
        PatKind::Ident { name: n, .. } => (n == name).then(|| ty.clone()),
        PatKind::TupleStruct { elems, .. } if elems.len() == 1 => {
            let inner = ty.args().first()?;
            param_binding_ty(file, elems[0], inner, name)
        }
        PatKind::Tuple(elems) => match ty {
            Ty::Tuple(tys) => elems
                .iter()
                .zip(tys)
                .find_map(|(p, t)| param_binding_ty(file, *p, t, name)),
            _ => None,
        },
        PatKind::Ref(inner) => param_binding_ty(file, *inner, ty, name),
        _ => None,
    }
}

/// The names a format string captures inline (`{tenant_id}` in `format!("{tenant_id}/x")`).
pub(crate) fn inline_format_names(fmt: &str) -> Vec<String> {
    parse_template(fmt)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Hole {
                arg: HoleArg::Named(n),
                ..
            } => Some(n),
            _ => None,
        })
        .collect()
}

/// `#[cached(key = "String", convert = r#"{ format!("{}", id) }"#)]` and friends: the key is the
/// `convert` expression, or every argument of the function when there is none.
fn cached_fn_sinks(file: &RustFile, ws: &Workspace) -> Vec<KeySink> {
    let mut sinks = Vec::new();
    for id in file.function_ids() {
        let f = file.function(id);
        let Some(attr) = f.attrs.iter().find(|a| {
            matches!(a.path.last(), "cached" | "io_cached") && a.path.segments.len() <= 2
        }) else {
            continue;
        };
        let mut parts = KeyParts::default();
        let mut names = Vec::new();
        for p in &f.params {
            file.bindings(p.pat, &mut names);
        }
        // The `convert` block is the one string that is code: `r#"{ format!(..) }"#`.
        let convert = attr
            .strings
            .iter()
            .find(|(s, _)| s.trim_start().starts_with('{'));
        let used: Vec<(String, Span)> = match convert {
            Some((text, span)) => {
                let idents: Vec<&str> = text
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty())
                    .collect();
                if idents.iter().any(|w| is_tenant_ident(ws, w)) {
                    parts.tenant = Some(*span);
                }
                names
                    .iter()
                    .filter(|(n, _)| idents.contains(&n.as_str()))
                    .map(|(n, _)| (n.clone(), *span))
                    .collect()
            }
            None => names.clone(),
        };
        for (name, span) in &used {
            let ty = f
                .params
                .iter()
                .find_map(|p| param_binding_ty(file, p.pat, &p.ty, name));
            if is_tenant_ident(ws, name) || ty.as_ref().is_some_and(|t| ty_has_tenant(t, ws)) {
                parts.tenant.get_or_insert(*span);
            } else if name != "self" && ty.as_ref().is_none_or(|t| t.name() != "bool") {
                // A flag cannot name anyone's data; it only picks between a few shared results.
                parts.runtime(*span, name.clone());
            }
        }
        sinks.push(KeySink {
            family: Family::CachedFn,
            op: attr.path.last().to_string(),
            call: attr.span,
            key: convert.map_or(attr.span, |(_, s)| *s),
            function: Some(id),
            parts,
            untrusted: Vec::new(),
            tenant_in_scope: false,
            record_checked: false,
            value_from_key: false,
        });
    }
    sinks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> Workspace {
        Workspace::new(
            std::path::PathBuf::new(),
            crate::semantic::settings::Config::default(),
            crate::schema::Schema::default(),
        )
    }

    #[test]
    fn tenant_vocabulary_covers_values_and_types() {
        let ws = workspace();
        for name in [
            "tenant_id",
            "tenant",
            "current_tenant",
            "TenantId",
            "tenant_shard",
        ] {
            assert!(is_tenant_ident(&ws, name), "{name}");
        }
        for name in ["tenant_name", "tenant_count", "user_id", "content"] {
            assert!(!is_tenant_ident(&ws, name), "{name}");
        }
        assert!(is_tenant_entity(&ws, "Tenant"));
        assert!(!is_tenant_entity(&ws, "TenantManager"));
    }

    #[test]
    fn record_ids_exclude_fresh_ids() {
        assert!(is_record_id_name("invoice_id"));
        assert!(is_record_id_name("ids"));
        assert!(!is_record_id_name("Uuid::new_v4()"));
        assert!(!is_record_id_name("hostname"));
    }

    #[test]
    fn secret_names_are_possession_keys() {
        let parts = |name: &str| KeyParts {
            dynamic: vec![(Span::default(), name.to_string())],
            ..KeyParts::default()
        };
        assert!(!parts("session_id").lacks_tenant());
        assert!(!parts("refresh_token").lacks_tenant());
        assert!(parts("user_id").lacks_tenant());
    }
}
