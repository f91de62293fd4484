//! The workspace call graph: which workspace function each call can reach.
//!
//! Free functions resolve through the file's `use` leaves and module paths (`crate::`, `self::`,
//! `super::`, a crate's own name); a path that names no definition directly falls back to a
//! definition whose path ends the same way (re-exports). A method call resolves by the
//! receiver's known type (`self`, a parameter, an annotated or constructed `let`, a `let` bound
//! to a workspace call by its declared return type, a field of any of these,
//! `ctx.repos.users`), through `&`, `Arc`, `Box` and `Rc`; a trait object or
//! `impl Trait` receiver, and a `Trait::method` path, reach every impl of that trait; a
//! receiver whose type is a type parameter reaches the impls of its bounds, and a destructured
//! wrapper parameter (`Query(q): Query<Filter>`) has the wrapped type. A receiver of unknown
//! type resolves by name and arity. A function handed by name to another call (`.map(parse)`,
//! `get(handler)`, `from_fn(auth)`) is an edge too, and is kept with the call it was handed
//! to, so the framework layer can recognise entry points. Calls inside closures belong to the
//! enclosing function.
//! Every edge says how it was resolved ([`Resolved`]), so a client can trust some and not others.
//!
//! Module paths come from file paths (`crates/api/src/orgs/mod.rs` is `api::orgs`); inline
//! `mod` blocks are not seen and their functions count as their file's.

use crate::ir::*;
use crate::model::RustFile;
use crate::span::Span;
use std::collections::{HashMap, HashSet, VecDeque};

/// A function of the workspace: the index of its file in the slice the graph was built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnRef {
    pub file: usize,
    pub func: FnId,
}

/// How a call's target was found, from most to least certain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resolved {
    /// The path, expanded through `use` leaves and module paths, names the definition.
    Path,
    /// A definition whose path ends with the written path (a re-export, an unknown crate name).
    PathSuffix,
    /// The receiver's type (or the `Type::` qualifier) is known and has this method.
    ReceiverType,
    /// The receiver is a trait object, `impl Trait`, or the path names the trait: one of its
    /// impls.
    TraitImpl,
    /// The receiver's type is a type parameter (`fn run<C: Command>(c: C)`): one of the impls
    /// of its bounds, the one the caller's type argument picks.
    BoundImpl,
    /// The receiver's type is unknown, or the path names no definition the module paths
    /// reach (a function of an inline `mod`): a function of this name and arity.
    NameArity,
    /// The function is handed by name to another call, which may call it.
    FnValue,
}

/// One possible target of one call site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub caller: FnRef,
    /// The call (or, for [`Resolved::FnValue`], the call the function is handed to).
    pub site: ExprId,
    pub callee: FnRef,
    pub how: Resolved,
}

/// A workspace function handed by name to a call: `get(list_docs)`, `from_fn(auth)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandedFn {
    /// The function the receiving call sits in, when it sits in one.
    pub caller: Option<FnRef>,
    pub site: ExprId,
    /// The receiving call's path (`["axum", "middleware", "from_fn"]`) or method name.
    pub receiver_call: Vec<String>,
    pub func: FnRef,
}

/// What a framework makes of a function: requests enter the workspace there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A route handler (attribute or route registration).
    Handler,
    /// A custom extractor or request guard (`FromRequestParts::from_request_parts`).
    Extractor,
    /// Middleware: `from_fn` functions, tower `Service::call`, actix `Transform`/`wrap_fn`.
    Middleware,
    /// A method of a gRPC service impl (tonic).
    RpcMethod,
}

/// A name-and-arity resolution with more candidates than this is dropped: the name says
/// nothing about which function runs (`get`, `new`).
const MAX_NAME_CANDIDATES: usize = 6;

/// How many `use` leaves one path expansion follows.
const MAX_USE_CHAIN: usize = 3;

/// How many callers deep a request path search goes.
pub const MAX_PATH_DEPTH: usize = 12;

#[derive(Debug, Default)]
pub struct CallGraph {
    edges: Vec<Edge>,
    out: HashMap<FnRef, Vec<usize>>,
    into: HashMap<FnRef, Vec<usize>>,
    by_site: HashMap<(usize, ExprId), Vec<usize>>,
    handed: Vec<HandedFn>,
    /// The functions in [`CallGraph::handed`], for [`CallGraph::is_referenced`].
    handed_funcs: HashSet<FnRef>,
    entries: HashMap<FnRef, EntryKind>,
    /// The workspace registers route handlers where the analysis reads the registration
    /// (`get(list)`, `.service(list)`): set by the framework layer.
    registers_routes: bool,
    /// What `use` declarations import, anywhere in the workspace: (the module named before
    /// the leaf, the leaf).
    imported: HashSet<(String, String)>,
    /// The module each free function is defined in (its path's segment before its name).
    parents: HashMap<FnRef, String>,
    /// Each function's name, for messages.
    names: HashMap<FnRef, String>,
    /// Each file's index by its workspace-relative path.
    file_indexes: HashMap<String, usize>,
}

impl CallGraph {
    /// Builds the graph of the given files: (workspace-relative path, lowered file), each
    /// crate named after its folder.
    pub fn build(files: &[(&str, &RustFile)]) -> CallGraph {
        CallGraph::build_named(files, &HashMap::new())
    }

    /// [`CallGraph::build`] with the library names of crate folders ([`crate_dir`] → name)
    /// that their manifests give.
    pub fn build_named(
        files: &[(&str, &RustFile)],
        crate_names: &HashMap<String, String>,
    ) -> CallGraph {
        let defs = Defs::collect(files, crate_names);
        let mut graph = CallGraph::default();
        for fns in defs.free_by_name.values() {
            for (r, full, _) in fns {
                if let [.., parent, _] = full.as_slice() {
                    graph.parents.insert(*r, parent.clone());
                }
            }
        }
        for (i, (rel, file)) in files.iter().enumerate() {
            graph.file_indexes.insert(rel.to_string(), i);
            for func in file.function_ids() {
                let name = file.function(func).name.name.clone();
                graph.names.insert(FnRef { file: i, func }, name);
            }
            let cx = FileCx::new(i, files, &defs);
            for &(site, owner) in &file.calls {
                let caller = owner.map(|func| FnRef { file: i, func });
                let e = file.expr(site);
                let (args, path_or_method): (&[ExprId], Vec<String>) = match &e.kind {
                    ExprKind::Call { func, args } => {
                        let path = match &file.expr(*func).kind {
                            ExprKind::Path(p) => p.segments.clone(),
                            _ => Vec::new(),
                        };
                        if let (Some(caller), false) = (caller, path.is_empty()) {
                            let mut found = cx.resolve_path(&path, caller);
                            if found.is_empty() {
                                found = cx.resolve_by_name(&path, args.len());
                            }
                            for (callee, how) in found {
                                graph.push(caller, site, callee, how);
                            }
                        }
                        (args, path)
                    }
                    ExprKind::MethodCall {
                        receiver,
                        method,
                        args,
                        ..
                    } => {
                        if let Some(caller) = caller {
                            for (callee, how) in
                                cx.resolve_method(caller, *receiver, &method.name, args.len())
                            {
                                graph.push(caller, site, callee, how);
                            }
                        }
                        (args, vec![method.name.clone()])
                    }
                    _ => continue,
                };
                for a in args {
                    let ExprKind::Path(p) = &file.expr(file.strip(*a)).kind else {
                        continue;
                    };
                    for func in cx.resolve_fn_value(&p.segments, caller) {
                        if let Some(caller) = caller {
                            graph.push(caller, site, func, Resolved::FnValue);
                        }
                        graph.handed_funcs.insert(func);
                        graph.handed.push(HandedFn {
                            caller,
                            site,
                            receiver_call: path_or_method.clone(),
                            func,
                        });
                    }
                }
            }
        }
        graph
    }

    fn push(&mut self, caller: FnRef, site: ExprId, callee: FnRef, how: Resolved) {
        let i = self.edges.len();
        self.edges.push(Edge {
            caller,
            site,
            callee,
            how,
        });
        self.out.entry(caller).or_default().push(i);
        self.into.entry(callee).or_default().push(i);
        self.by_site.entry((caller.file, site)).or_default().push(i);
    }

    /// Every edge out of a function.
    pub fn callees(&self, f: FnRef) -> impl Iterator<Item = &Edge> {
        self.indexed(self.out.get(&f))
    }

    /// Every edge into a function.
    pub fn callers(&self, f: FnRef) -> impl Iterator<Item = &Edge> {
        self.indexed(self.into.get(&f))
    }

    /// The possible targets of one call site of a file.
    pub fn targets(&self, file: usize, site: ExprId) -> impl Iterator<Item = &Edge> {
        self.indexed(self.by_site.get(&(file, site)))
    }

    /// The workspace functions one call site may call: its edges without the functions handed
    /// to it as values.
    pub fn call_targets(&self, file: usize, site: ExprId) -> impl Iterator<Item = &Edge> {
        self.targets(file, site)
            .filter(|e| e.how != Resolved::FnValue)
    }

    /// The workspace functions handed by name to one call (`.map(parse)`), which it may call.
    pub fn handed_at(&self, file: usize, site: ExprId) -> impl Iterator<Item = &Edge> {
        self.targets(file, site)
            .filter(|e| e.how == Resolved::FnValue)
    }

    fn indexed<'a>(&'a self, ids: Option<&'a Vec<usize>>) -> impl Iterator<Item = &'a Edge> {
        ids.into_iter().flatten().map(|&i| &self.edges[i])
    }

    /// The index of a file (by its workspace-relative path) in the graph's numbering.
    pub fn file_index(&self, rel: &str) -> Option<usize> {
        self.file_indexes.get(rel).copied()
    }

    /// A function's name.
    pub fn name_of(&self, f: FnRef) -> Option<&str> {
        self.names.get(&f).map(String::as_str)
    }

    /// Functions handed by name to calls.
    pub fn handed_fns(&self) -> &[HandedFn] {
        &self.handed
    }

    /// Marks a function as a request entry point (the framework layer decides which).
    pub fn set_entry(&mut self, f: FnRef, kind: EntryKind) {
        self.entries.entry(f).or_insert(kind);
    }

    pub fn entry(&self, f: FnRef) -> Option<EntryKind> {
        self.entries.get(&f).copied()
    }

    pub fn entries(&self) -> impl Iterator<Item = (FnRef, EntryKind)> + '_ {
        self.entries.iter().map(|(f, k)| (*f, *k))
    }

    /// Records that the workspace registers routes where the analysis reads them.
    pub fn set_registers_routes(&mut self) {
        self.registers_routes = true;
    }

    pub fn registers_routes(&self) -> bool {
        self.registers_routes
    }

    /// Records what the workspace's `use` declarations import: (module before the leaf, leaf).
    pub fn set_imported_names(&mut self, names: HashSet<(String, String)>) {
        self.imported = names;
    }

    /// Whether anything in the workspace names the function: a call resolved to it, a call
    /// (inside a function or not) it is handed to by name, or a `use` that imports its name
    /// from a module of its module's name (an import the resolver may not have followed, or
    /// whose uses sit in a macro it does not read, is taken to be this function's: a name
    /// keeps a function reachable, it never drops one). `use super::f` is not matched: which
    /// module `super` is would need the importing file's module path.
    pub fn is_referenced(&self, f: FnRef) -> bool {
        if self.into.contains_key(&f) || self.handed_funcs.contains(&f) {
            return true;
        }
        let Some(name) = self.name_of(f) else {
            return false;
        };
        self.parents
            .get(&f)
            .is_some_and(|p| self.imported.contains(&(p.clone(), name.to_string())))
    }

    /// Functions reachable from `f` (itself included) within `depth` calls; recursion is cut
    /// by the visited set.
    pub fn reachable(&self, f: FnRef, depth: usize) -> Vec<FnRef> {
        let mut seen = HashSet::from([f]);
        let mut order = vec![f];
        let mut queue = VecDeque::from([(f, 0)]);
        while let Some((g, d)) = queue.pop_front() {
            if d == depth {
                continue;
            }
            for e in self.callees(g) {
                if seen.insert(e.callee) {
                    order.push(e.callee);
                    queue.push_back((e.callee, d + 1));
                }
            }
        }
        order
    }

    /// A request path to `target` on which no function settles the question the caller asks
    /// (`settles(f)`: "did `f` check the tenant?"): the entry point first, `target` last. `None`
    /// when every path from an entry point passes a settling function, or none reaches
    /// `target` within [`MAX_PATH_DEPTH`] callers. `target` itself is asked too.
    pub fn unsettled_request_path(
        &self,
        target: FnRef,
        settles: impl Fn(FnRef) -> bool,
    ) -> Option<Vec<FnRef>> {
        if settles(target) {
            return None;
        }
        // Backwards breadth-first search from the target; `next[f]` is the step towards it.
        let mut next: HashMap<FnRef, FnRef> = HashMap::new();
        let mut seen = HashSet::from([target]);
        let mut queue = VecDeque::from([(target, 0)]);
        while let Some((f, d)) = queue.pop_front() {
            if self.entries.contains_key(&f) {
                let mut path = vec![f];
                let mut cur = f;
                while let Some(n) = next.get(&cur) {
                    path.push(*n);
                    cur = *n;
                }
                return Some(path);
            }
            if d == MAX_PATH_DEPTH {
                continue;
            }
            for e in self.callers(f) {
                if seen.insert(e.caller) && !settles(e.caller) {
                    next.insert(e.caller, f);
                    queue.push_back((e.caller, d + 1));
                }
            }
        }
        None
    }
}

/// The definitions of the workspace, by full path and by type.
struct Defs {
    /// `crate::module::function` and `crate::module::Type::method`.
    by_path: HashMap<Vec<String>, Vec<FnRef>>,
    /// Free functions by name, with their full paths and arity.
    free_by_name: HashMap<String, Vec<(FnRef, Vec<String>, usize)>>,
    /// Every crate and module name of the workspace.
    module_names: HashSet<String>,
    /// Methods by (self type name, method name), inherent and trait impls.
    methods: HashMap<(String, String), Vec<FnRef>>,
    /// Methods by (trait name, method name).
    trait_methods: HashMap<(String, String), Vec<FnRef>>,
    /// Methods that take `self` by name, with their arity (`self` not counted).
    by_method_name: HashMap<String, Vec<(FnRef, usize)>>,
    /// Types with an `impl` block in the workspace.
    impl_types: HashSet<String>,
    /// Field types of the workspace's structs by (struct, field).
    fields: HashMap<(String, String), Ty>,
    /// What each function returns, past `Result` and `Option` (`-> Result<Client, E>` is a
    /// `Client`), when its declared type says.
    returns: HashMap<FnRef, ReceiverTy>,
    /// Each file's crate and module path.
    modules: Vec<Vec<String>>,
}

impl Defs {
    fn collect(files: &[(&str, &RustFile)], crate_names: &HashMap<String, String>) -> Defs {
        let mut d = Defs {
            by_path: HashMap::new(),
            free_by_name: HashMap::new(),
            module_names: HashSet::new(),
            methods: HashMap::new(),
            trait_methods: HashMap::new(),
            by_method_name: HashMap::new(),
            impl_types: HashSet::new(),
            fields: HashMap::new(),
            returns: HashMap::new(),
            modules: Vec::new(),
        };
        for (i, (rel, file)) in files.iter().enumerate() {
            let mut module = module_path(rel);
            if let Some(name) = crate_dir(rel).and_then(|d| crate_names.get(d)) {
                module[0] = name.clone();
            }
            for s in &file.structs {
                for f in &s.fields {
                    d.fields
                        .insert((s.name.name.clone(), f.name.name.clone()), f.ty.clone());
                }
            }
            for id in file.function_ids() {
                let f = file.function(id);
                let r = FnRef { file: i, func: id };
                if let Some(ty) = f.ret.as_ref().and_then(|t| returned_type(t, f)) {
                    d.returns.insert(r, ty);
                }
                let mut path = module.clone();
                path.extend(inline_modules(file, f.span));
                match &f.owner {
                    None => {
                        let mut full = path.clone();
                        full.push(f.name.name.clone());
                        d.free_by_name
                            .entry(f.name.name.clone())
                            .or_default()
                            .push((r, full, f.params.len()));
                    }
                    Some(owner) => {
                        let ty = owner.self_ty.name().to_string();
                        d.impl_types.insert(ty.clone());
                        path.push(ty.clone());
                        d.methods
                            .entry((ty, f.name.name.clone()))
                            .or_default()
                            .push(r);
                        if let Some(t) = &owner.trait_path {
                            d.trait_methods
                                .entry((t.last().to_string(), f.name.name.clone()))
                                .or_default()
                                .push(r);
                        }
                        if file.has_self(f) {
                            d.by_method_name
                                .entry(f.name.name.clone())
                                .or_default()
                                .push((r, f.params.len() - 1));
                        }
                    }
                }
                path.push(f.name.name.clone());
                d.by_path.entry(path).or_default().push(r);
            }
            d.module_names.extend(module.iter().cloned());
            d.modules.push(module);
        }
        d
    }

    fn is_workspace_type(&self, name: &str) -> bool {
        self.impl_types.contains(name)
    }
}

/// The inline modules (`mod v1 { .. }`) around a span in its file, outermost first.
fn inline_modules(file: &RustFile, span: Span) -> Vec<String> {
    let mut around: Vec<&ModuleDef> = file.modules_around(span).collect();
    around.sort_by_key(|m| m.span.start);
    around.iter().map(|m| m.name.name.clone()).collect()
}

/// The folder of the crate a workspace-relative file belongs to, by its `src` folder
/// (`crates/api-server/src/orgs/mod.rs` → `crates/api-server`, `src/lib.rs` → ``); `None` for
/// a file outside any `src` folder.
pub fn crate_dir(rel: &str) -> Option<&str> {
    match rel.rfind("/src/") {
        Some(at) => Some(&rel[..at]),
        None => rel.starts_with("src/").then_some(""),
    }
}

/// A file's crate and module path: `crates/api-server/src/orgs/mod.rs` → `api_server::orgs`.
/// A file outside a `src` folder is a module named after its folder.
pub fn module_path(rel: &str) -> Vec<String> {
    let parts: Vec<&str> = rel.split('/').collect();
    let (krate, rest) = match parts.iter().rposition(|p| *p == "src") {
        Some(i) => (i.checked_sub(1).map(|c| parts[c]), &parts[i + 1..]),
        None => (
            parts.len().checked_sub(2).map(|c| parts[c]),
            &parts[parts.len() - 1..],
        ),
    };
    let mut out = vec![krate.unwrap_or("crate").replace('-', "_")];
    for (j, p) in rest.iter().enumerate() {
        let stem = p.strip_suffix(".rs").unwrap_or(p);
        let last = j + 1 == rest.len();
        if !(last && matches!(stem, "lib" | "main" | "mod")) {
            out.push(stem.to_string());
        }
    }
    out
}

/// Resolution in one file.
struct FileCx<'a> {
    file_index: usize,
    file: &'a RustFile,
    defs: &'a Defs,
    /// Per function, the types its parameters and `let`s declare or construct (the last
    /// binding of a name wins), computed on first use.
    locals: std::cell::RefCell<HashMap<FnId, std::rc::Rc<HashMap<String, ReceiverTy>>>>,
}

impl<'a> FileCx<'a> {
    fn new(file_index: usize, files: &'a [(&str, &RustFile)], defs: &'a Defs) -> Self {
        FileCx {
            file_index,
            file: files[file_index].1,
            defs,
            locals: Default::default(),
        }
    }

    fn module(&self) -> &[String] {
        &self.defs.modules[self.file_index]
    }

    /// The full paths a written path may stand for, most likely first.
    fn expansions(&self, segs: &[String]) -> Vec<Vec<String>> {
        self.expansions_within(segs, MAX_USE_CHAIN)
    }

    /// `use` leaves refer to each other (`use db; use db::*;`, `use tracing;`): `depth` bounds
    /// how many are followed.
    fn expansions_within(&self, segs: &[String], depth: usize) -> Vec<Vec<String>> {
        let module = self.module();
        let Some(first) = segs.first() else {
            return Vec::new();
        };
        let rest = &segs[1..];
        let join = |base: &[String], tail: &[String]| [base, tail].concat();
        match first.as_str() {
            "crate" => return vec![join(&module[..1], rest)],
            "self" => return vec![join(module, rest)],
            "super" => {
                let mut base = module.to_vec();
                let mut tail = rest;
                base.pop();
                while let Some(("super", t)) = tail.split_first().map(|(h, t)| (h.as_str(), t)) {
                    base.pop();
                    tail = t;
                }
                return vec![join(&base, tail)];
            }
            _ => {}
        }
        let mut out = Vec::new();
        for u in self.file.uses.iter().filter(|_| depth > 0) {
            if u.glob {
                // Only the written path looks into glob imports, not the leaves it follows:
                // otherwise every glob would be tried under every other.
                if segs.len() == 1 && depth == MAX_USE_CHAIN {
                    for base in self.expansions_within(&u.path, depth - 1) {
                        out.push(join(&base, segs));
                    }
                }
                continue;
            }
            let (path, name) = match u.path.as_slice() {
                [p @ .., s] if s == "self" => (p, p.last()),
                p => (p, p.last()),
            };
            if u.alias.as_ref().or(name) == Some(first) && !path.is_empty() {
                for base in self.expansions_within(path, depth - 1) {
                    out.push(join(&base, rest));
                }
                // `use other_crate::x`: the path is already absolute.
                out.push(join(path, rest));
            }
        }
        out.push(join(module, segs));
        out.push(segs.to_vec());
        out
    }

    fn resolve_path(&self, segs: &[String], caller: FnRef) -> Vec<(FnRef, Resolved)> {
        let with = |v: &[FnRef], how| v.iter().map(|r| (*r, how)).collect::<Vec<_>>();
        // `Self::new(..)`, `Self::helper(..)`.
        if let [q, m] = segs {
            if q == "Self" {
                if let Some(owner) = &self.file.function(caller.func).owner {
                    let key = (owner.self_ty.name().to_string(), m.clone());
                    if let Some(v) = self.defs.methods.get(&key) {
                        return with(v, Resolved::ReceiverType);
                    }
                }
                return Vec::new();
            }
        }
        for full in self.expansions(segs) {
            if let Some(v) = self.defs.by_path.get(&full) {
                return with(v, Resolved::Path);
            }
        }
        let last = segs.last().cloned().unwrap_or_default();
        if let [.., q, _] = segs {
            // `Type::method(..)` on a type imported under another path, or `Trait::method(x)`.
            if let Some(v) = self.defs.methods.get(&(q.clone(), last.clone())) {
                return with(v, Resolved::ReceiverType);
            }
            if let Some(v) = self.defs.trait_methods.get(&(q.clone(), last.clone())) {
                return with(v, Resolved::TraitImpl);
            }
        }
        // A re-export (`pub use orgs::load;` reached as `crate::load`), a crate under another
        // name, or a name brought in by a glob import.
        let globbed = segs.len() == 1 && self.file.uses.iter().any(|u| u.glob);
        let suffix: Vec<FnRef> = self
            .defs
            .free_by_name
            .get(&last)
            .into_iter()
            .flatten()
            .filter(|(_, full, _)| (segs.len() > 1 && full.ends_with(segs)) || globbed)
            .map(|(r, _, _)| *r)
            .collect();
        if suffix.len() > MAX_NAME_CANDIDATES {
            return Vec::new();
        }
        with(&suffix, Resolved::PathSuffix)
    }

    /// A call path the module paths do not resolve (a function of an inline `mod`, one a macro
    /// brought in): a free function of that name and arity, when the path stays inside the
    /// workspace (one segment, or a first segment that is a workspace crate or module) and the
    /// name has few definitions. A path into a library (`sqlx::query`) never falls back.
    fn resolve_by_name(&self, segs: &[String], arity: usize) -> Vec<(FnRef, Resolved)> {
        let (Some(first), Some(last)) = (segs.first(), segs.last()) else {
            return Vec::new();
        };
        if segs.len() > 1 && !self.defs.module_names.contains(first) {
            return Vec::new();
        }
        // `use tokio::spawn; spawn(..)`: a name the file imports from a library.
        let imported = self
            .file
            .uses
            .iter()
            .any(|u| !u.glob && u.alias.as_ref().or(u.path.last()) == Some(first));
        if segs.len() == 1 && imported {
            return Vec::new();
        }
        let candidates: Vec<(FnRef, Resolved)> = self
            .defs
            .free_by_name
            .get(last)
            .into_iter()
            .flatten()
            .filter(|(_, _, a)| *a == arity)
            .map(|(r, _, _)| (*r, Resolved::NameArity))
            .collect();
        if candidates.len() > MAX_NAME_CANDIDATES {
            return Vec::new();
        }
        candidates
    }

    /// A function named by a path in argument position (`get(list)`, `.map(Self::parse)`).
    /// The functions a path handed as a value names: one, or the `#[cfg]` alternatives that
    /// share its full path (`#[cfg(feature = "x")] fn list` beside `#[cfg(not(..))] fn list`),
    /// one of which is compiled.
    fn resolve_fn_value(&self, segs: &[String], caller: Option<FnRef>) -> Vec<FnRef> {
        let Some(caller) = caller else {
            return Vec::new();
        };
        let found = self.resolve_path(segs, caller);
        match found.as_slice() {
            [(f, Resolved::Path | Resolved::PathSuffix | Resolved::ReceiverType)] => vec![*f],
            alternatives if alternatives.iter().all(|(_, how)| *how == Resolved::Path) => {
                alternatives.iter().map(|(f, _)| *f).collect()
            }
            _ => Vec::new(),
        }
    }

    fn resolve_method(
        &self,
        caller: FnRef,
        receiver: ExprId,
        method: &str,
        arity: usize,
    ) -> Vec<(FnRef, Resolved)> {
        let with = |v: &[FnRef], how| v.iter().map(|r| (*r, how)).collect::<Vec<_>>();
        match self.receiver_type(caller, receiver) {
            Some(ReceiverTy::Named(ty)) => {
                // `fn run<C: Command>(c: C) { c.execute() }`: every impl of the bounds' method.
                let bounded: Vec<(FnRef, Resolved)> = self
                    .bounds_of(caller, &ty)
                    .filter_map(|t| {
                        self.defs
                            .trait_methods
                            .get(&(t.clone(), method.to_string()))
                    })
                    .flat_map(|v| with(v, Resolved::BoundImpl))
                    .collect();
                if !bounded.is_empty() {
                    return bounded;
                }
                if let Some(v) = self.defs.methods.get(&(ty.clone(), method.to_string())) {
                    return with(v, Resolved::ReceiverType);
                }
                if let Some(v) = self
                    .defs
                    .trait_methods
                    .get(&(ty.clone(), method.to_string()))
                {
                    return with(v, Resolved::TraitImpl);
                }
                if !self.defs.is_workspace_type(&ty) {
                    // A library type (`PgPool`, `String`): none of ours runs.
                    return Vec::new();
                }
            }
            Some(ReceiverTy::Trait(t)) => {
                return self
                    .defs
                    .trait_methods
                    .get(&(t, method.to_string()))
                    .map(|v| with(v, Resolved::TraitImpl))
                    .unwrap_or_default();
            }
            None => {}
        }
        let candidates: Vec<FnRef> = self
            .defs
            .by_method_name
            .get(method)
            .into_iter()
            .flatten()
            .filter(|(_, a)| *a == arity)
            .map(|(r, _)| *r)
            .collect();
        if candidates.len() > MAX_NAME_CANDIDATES {
            return Vec::new();
        }
        with(&candidates, Resolved::NameArity)
    }

    /// The traits that bound the type parameter `name` of the caller or of its impl.
    fn bounds_of<'b>(&'b self, caller: FnRef, name: &'b str) -> impl Iterator<Item = &'b String> {
        let f = self.file.function(caller.func);
        f.bounds
            .iter()
            .chain(f.owner.iter().flat_map(|o| &o.bounds))
            .filter(move |(n, _)| n == name)
            .flat_map(|(_, traits)| traits)
    }

    /// The type of a method receiver, when the function says it.
    fn receiver_type(&self, caller: FnRef, receiver: ExprId) -> Option<ReceiverTy> {
        let f = self.file.function(caller.func);
        let e = self.file.strip(receiver);
        match &self.file.expr(e).kind {
            ExprKind::Path(p) if p.is_ident("self") => {
                f.owner.as_ref().map(|o| ReceiverTy::of(&o.self_ty))?
            }
            ExprKind::Path(p) if p.segments.len() == 1 => {
                self.local_types(caller.func).get(p.last()).cloned()
            }
            // `self.repo`, `ctx.repos.users`: the declared type of the field, on the type of
            // whatever holds it.
            ExprKind::Field { base, member } => {
                let Some(ReceiverTy::Named(owner)) = self.receiver_type(caller, *base) else {
                    return None;
                };
                let ty = self.defs.fields.get(&(owner, member.name.clone()))?;
                ReceiverTy::of(ty)
            }
            _ => None,
        }
    }

    /// The declared or constructed types of the parameters and locals of a function.
    fn local_types(&self, func: FnId) -> std::rc::Rc<HashMap<String, ReceiverTy>> {
        if let Some(known) = self.locals.borrow().get(&func) {
            return known.clone();
        }
        let f = self.file.function(func);
        let mut types = HashMap::new();
        for p in &f.params {
            let (pat, ty) = unwrap_tuple_struct(self.file, p.pat, &p.ty);
            let mut names = Vec::new();
            self.file.bindings(pat, &mut names);
            if let ([(name, _)], Some(ty)) = (names.as_slice(), ReceiverTy::of(ty)) {
                types.insert(name.clone(), ty);
            }
        }
        let mut annotated: HashMap<PatId, &Ty> = HashMap::new();
        visit_let_types(&f.body, &mut |p, t| {
            annotated.insert(p, t);
        });
        crate::flow::visit_lets(self.file, &f.body, &mut |pat, init, _| {
            // `let Some(row) = find(id).await else { .. }`: the binding is what the call yields.
            let pat = unwrap_success(self.file, pat);
            let PatKind::Ident { name, .. } = &self.file.pat(pat).kind else {
                return;
            };
            let ty = annotated
                .get(&pat)
                .and_then(|t| ReceiverTy::of(t))
                .or_else(|| init.and_then(|i| self.constructed_type(i, func)));
            match ty {
                Some(ty) => types.insert(name.clone(), ty),
                None => types.remove(name),
            };
        });
        // `if let Some(row) = find(id).await { .. }`: a name no `let` gave a type is what the
        // destructured call yields.
        self.file.walk_block(&f.body, &mut |id| {
            let ExprKind::Let { pat, expr } = &self.file.expr(id).kind else {
                return;
            };
            let PatKind::Ident { name, .. } = &self.file.pat(unwrap_success(self.file, *pat)).kind
            else {
                return;
            };
            if !types.contains_key(name) {
                if let Some(ty) = self.constructed_type(*expr, func) {
                    types.insert(name.clone(), ty);
                }
            }
        });
        let types = std::rc::Rc::new(types);
        self.locals.borrow_mut().insert(func, types.clone());
        types
    }

    /// `Type::new(..)`, `Type::connect(..)?`, `Type { .. }`: a value of `Type` (a constructor
    /// of a workspace type named in the path).
    fn constructed_type(&self, init: ExprId, func: FnId) -> Option<ReceiverTy> {
        let mut e = self.file.strip(init);
        loop {
            match &self.file.expr(e).kind {
                ExprKind::Try(i) | ExprKind::Await(i) => e = self.file.strip(*i),
                // std's `Result`/`Option` methods that keep the success value.
                ExprKind::MethodCall {
                    receiver, method, ..
                } if KEEPS_SUCCESS.contains(&method.name.as_str()) => {
                    e = self.file.strip(*receiver)
                }
                _ => break,
            }
        }
        match &self.file.expr(e).kind {
            ExprKind::Struct { path, .. } => Some(ReceiverTy::Named(path.last().to_string())),
            ExprKind::Call { func: callee, .. } => match &self.file.expr(*callee).kind {
                ExprKind::Path(p) => match p.segments.as_slice() {
                    [.., ty, _] if self.defs.is_workspace_type(ty) => {
                        Some(ReceiverTy::Named(ty.clone()))
                    }
                    segs => self.returned_by(segs, func),
                },
                _ => None,
            },
            // `match build()? { Ok(c) => c, Err(e) => return .. }`: what the call returns.
            ExprKind::Match { scrutinee, arms } => {
                let passes_through = arms.iter().any(|a| {
                    let PatKind::TupleStruct { path, elems } = &self.file.pat(a.pat).kind else {
                        return false;
                    };
                    let [inner] = elems.as_slice() else {
                        return false;
                    };
                    let bound = match &self.file.pat(*inner).kind {
                        PatKind::Ident { name, sub: None } => Some(name.as_str()),
                        _ => None,
                    };
                    matches!(path.last(), "Ok" | "Some")
                        && bound.is_some()
                        && self.file.as_ident(self.file.strip(a.body)) == bound
                });
                if passes_through {
                    self.constructed_type(*scrutinee, func)
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// The type a call of a workspace function returns, when the path names functions whose
    /// declared return types agree.
    fn returned_by(&self, segs: &[String], func: FnId) -> Option<ReceiverTy> {
        let caller = FnRef {
            file: self.file_index,
            func,
        };
        let targets = self.resolve_path(segs, caller);
        let mut types = targets.iter().map(|(f, _)| self.defs.returns.get(f));
        let first = types.next()??;
        types.all(|t| t == Some(first)).then(|| first.clone())
    }
}

/// `Result`/`Option` methods of std whose value is the success value they were called on.
const KEEPS_SUCCESS: &[&str] = &["map_err", "ok_or", "ok_or_else", "unwrap", "expect"];

/// The binding inside `Some(x)` or `Ok(x)`, else the pattern itself.
fn unwrap_success(file: &RustFile, pat: PatId) -> PatId {
    match &file.pat(pat).kind {
        PatKind::TupleStruct { path, elems } if matches!(path.last(), "Some" | "Ok") => {
            match elems.as_slice() {
                [inner] => *inner,
                _ => pat,
            }
        }
        _ => pat,
    }
}

/// The pattern and type inside a destructured single-field wrapper: `Query(q): Query<Filter>`
/// binds `q` to a `Filter`.
fn unwrap_tuple_struct<'b>(file: &RustFile, pat: PatId, ty: &'b Ty) -> (PatId, &'b Ty) {
    if let (PatKind::TupleStruct { path, elems }, Ty::Path(p)) = (&file.pat(pat).kind, ty) {
        if let ([inner], [inner_ty]) = (elems.as_slice(), p.generics.as_slice()) {
            if path.last() == p.last() {
                return (*inner, inner_ty);
            }
        }
    }
    (pat, ty)
}

/// What a function's declared return type says its value is: past `Result` and `Option`
/// (`-> Result<Client, E>` is a `Client`), `Self` as the impl's type.
fn returned_type(ty: &Ty, f: &Function) -> Option<ReceiverTy> {
    match ty {
        Ty::Path(p) if matches!(p.last(), "Result" | "Option") => {
            returned_type(p.generics.first()?, f)
        }
        Ty::Path(p) if p.last() == "Self" => {
            f.owner.as_ref().and_then(|o| ReceiverTy::of(&o.self_ty))
        }
        _ => ReceiverTy::of(ty),
    }
}

fn visit_let_types<'b>(block: &'b Block, f: &mut dyn FnMut(PatId, &'b Ty)) {
    for stmt in &block.stmts {
        if let Stmt::Let {
            pat, ty: Some(t), ..
        } = stmt
        {
            f(*pat, t);
        }
    }
}

/// What a receiver's type tells about which method runs.
#[derive(Clone, Debug, PartialEq)]
enum ReceiverTy {
    Named(String),
    Trait(String),
}

impl ReceiverTy {
    /// Through references and smart pointers; `dyn Trait` and `impl Trait` name the trait.
    fn of(ty: &Ty) -> Option<ReceiverTy> {
        match ty {
            Ty::Ref(t) => ReceiverTy::of(t),
            Ty::Path(p) => match (p.last(), p.generics.as_slice()) {
                ("Arc" | "Box" | "Rc" | "Data" | "State" | "Extension", [inner, ..]) => {
                    ReceiverTy::of(inner)
                }
                ("Self", _) => None,
                (name, _) => Some(ReceiverTy::Named(name.to_string())),
            },
            Ty::Other(text) => {
                let rest = text
                    .trim()
                    .strip_prefix("dyn ")
                    .or_else(|| text.trim().strip_prefix("impl "))?;
                let name = rest
                    .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .next()?
                    .rsplit("::")
                    .next()?;
                (!name.is_empty()).then(|| ReceiverTy::Trait(name.to_string()))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(files: &[(&str, &str)]) -> (Vec<RustFile>, CallGraph) {
        let parsed: Vec<RustFile> = files
            .iter()
            .map(|(_, t)| crate::parse::parse_rust(t).expect("parses"))
            .collect();
        let refs: Vec<(&str, &RustFile)> = files.iter().map(|(p, _)| *p).zip(&parsed).collect();
        let g = CallGraph::build(&refs);
        (parsed, g)
    }

    fn find(files: &[RustFile], file: usize, name: &str) -> FnRef {
        let func = files[file]
            .function_ids()
            .find(|&id| files[file].function(id).name.name == name)
            .unwrap_or_else(|| panic!("no fn {name}"));
        FnRef { file, func }
    }

    fn callees(files: &[RustFile], g: &CallGraph, f: FnRef) -> Vec<(String, Resolved)> {
        let mut v: Vec<(String, Resolved)> = g
            .callees(f)
            .map(|e| {
                let file = &files[e.callee.file];
                let callee = file.function(e.callee.func);
                let owner = callee
                    .owner
                    .as_ref()
                    .map(|o| format!("{}::", o.self_ty.name()));
                (
                    format!("{}{}", owner.unwrap_or_default(), callee.name.name),
                    e.how,
                )
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    #[test]
    fn module_paths_from_file_paths() {
        assert_eq!(
            module_path("crates/api-server/src/orgs/mod.rs"),
            ["api_server", "orgs"]
        );
        assert_eq!(module_path("src/lib.rs"), ["crate"]);
        assert_eq!(module_path("app/src/db/docs.rs"), ["app", "db", "docs"]);
        assert_eq!(module_path("app/tests/it.rs"), ["tests", "it"]);
    }

    #[test]
    fn free_functions_through_use_trees_and_module_paths_across_three_calls() {
        let (files, g) = graph(&[
            (
                "app/src/routes.rs",
                "use crate::service::{load as load_docs};
                 async fn handler(id: Uuid) { load_docs(id).await; }",
            ),
            (
                "app/src/service.rs",
                "pub async fn load(id: Uuid) { super::db::query_docs(id).await; }",
            ),
            (
                "app/src/db.rs",
                "pub async fn query_docs(id: Uuid) { crate::db::bind(id); }
                 fn bind(id: Uuid) {}",
            ),
        ]);
        let h = find(&files, 0, "handler");
        assert_eq!(callees(&files, &g, h), [("load".into(), Resolved::Path)]);
        let load = find(&files, 1, "load");
        assert_eq!(
            callees(&files, &g, load),
            [("query_docs".into(), Resolved::Path)]
        );
        let reach: Vec<FnRef> = g.reachable(h, 5);
        assert!(reach.contains(&find(&files, 2, "bind")), "{reach:?}");
        assert!(!g.reachable(h, 2).contains(&find(&files, 2, "bind")));
    }

    #[test]
    fn use_leaves_that_name_themselves_end() {
        let (files, g) = graph(&[(
            "app/src/lib.rs",
            "use tracing; use tracing::*; use db::*; use crate::db;
             fn f() { tracing::info(); helper(); db::load(); }
             fn helper() {}",
        )]);
        assert_eq!(
            callees(&files, &g, find(&files, 0, "f")),
            [("helper".into(), Resolved::Path)]
        );
    }

    #[test]
    fn methods_by_receiver_type_else_name_and_arity() {
        let (files, g) = graph(&[(
            "app/src/lib.rs",
            "struct Repo { pool: Pool }
             struct Pool;
             impl Pool { fn run(&self, q: &str) {} }
             impl Repo {
                 fn find(&self, id: Uuid) { self.pool.run(\"q\"); self.helper(); }
                 fn helper(&self) {}
             }
             struct Other;
             impl Other { fn find(&self, id: Uuid) {} }
             fn typed(repo: &Repo, db: PgPool) { repo.find(1); db.execute(\"x\"); }
             fn built() { let r = Repo::new(); r.find(1); }
             fn untyped(x: Unknown) { x.helper(); }",
        )]);
        assert_eq!(
            callees(&files, &g, find(&files, 0, "typed")),
            [("Repo::find".into(), Resolved::ReceiverType)]
        );
        assert_eq!(
            callees(&files, &g, find(&files, 0, "built")),
            [("Repo::find".into(), Resolved::ReceiverType)]
        );
        let find_fn = files[0]
            .function_ids()
            .find(|&id| {
                let f = files[0].function(id);
                f.name.name == "find"
                    && f.owner.as_ref().is_some_and(|o| o.self_ty.name() == "Repo")
            })
            .unwrap();
        assert_eq!(
            callees(
                &files,
                &g,
                FnRef {
                    file: 0,
                    func: find_fn
                }
            ),
            [
                ("Pool::run".into(), Resolved::ReceiverType),
                ("Repo::helper".into(), Resolved::ReceiverType)
            ]
        );
        // `Unknown` is a library type: none of the workspace's methods runs.
        assert_eq!(callees(&files, &g, find(&files, 0, "untyped")), []);
    }

    #[test]
    fn unknown_receivers_resolve_by_name_and_arity() {
        let (files, g) = graph(&[(
            "app/src/lib.rs",
            "struct A; struct B;
             impl A { fn check(&self, x: u8) {} }
             impl B { fn check(&self) {} }
             fn f(v: Vec<u8>) { let a = pick(); a.check(1); }",
        )]);
        assert_eq!(
            callees(&files, &g, find(&files, 0, "f")),
            [("A::check".into(), Resolved::NameArity)]
        );
    }

    #[test]
    fn trait_methods_reach_every_impl() {
        let (files, g) = graph(&[
            (
                "app/src/auth.rs",
                "pub trait AuthStrategy { fn authenticate(&self, token: &str) -> bool; }
                 struct OrgFromRoute { org: Uuid }
                 impl AuthStrategy for OrgFromRoute { fn authenticate(&self, token: &str) -> bool { true } }
                 struct ApiKey;
                 impl AuthStrategy for ApiKey { fn authenticate(&self, token: &str) -> bool { false } }",
            ),
            (
                "app/src/wrap.rs",
                "fn run(auth: &dyn AuthStrategy) { auth.authenticate(\"t\"); }
                 fn boxed(auth: Box<dyn AuthStrategy>) { auth.authenticate(\"t\"); }
                 fn ufcs(a: OrgFromRoute) { AuthStrategy::authenticate(&a, \"t\"); }",
            ),
        ]);
        let both = [
            ("ApiKey::authenticate".to_string(), Resolved::TraitImpl),
            (
                "OrgFromRoute::authenticate".to_string(),
                Resolved::TraitImpl,
            ),
        ];
        assert_eq!(callees(&files, &g, find(&files, 1, "run")), both);
        assert_eq!(callees(&files, &g, find(&files, 1, "boxed")), both);
        assert_eq!(callees(&files, &g, find(&files, 1, "ufcs")), both);
    }

    #[test]
    fn field_chains_of_typed_values_resolve_by_the_declared_field_types() {
        let (files, g) = graph(&[
            (
                "app/src/repos.rs",
                "pub trait NoteRepo { fn find(&self, id: &str) -> Option<Note>; }
                 pub struct PgNotes;
                 impl NoteRepo for PgNotes { fn find(&self, id: &str) -> Option<Note> { None } }
                 pub struct Repos { pub notes: Arc<dyn NoteRepo> }
                 pub struct Context { pub repos: Repos }",
            ),
            (
                "app/src/api.rs",
                "struct Other;
                 impl Other { fn find(&self, id: &str) -> Option<Note> { None } }
                 fn load(ctx: &Context, id: &str) { ctx.repos.notes.find(id); }",
            ),
        ]);
        assert_eq!(
            callees(&files, &g, find(&files, 1, "load")),
            [("PgNotes::find".to_string(), Resolved::TraitImpl)]
        );
    }

    #[test]
    fn receivers_of_a_type_parameter_reach_the_impls_of_its_bounds() {
        let (files, g) = graph(&[(
            "app/src/lib.rs",
            "pub trait Command { fn execute(&self) -> u32; }
             struct Delete;
             impl Command for Delete { fn execute(&self) -> u32 { 1 } }
             struct Other;
             impl Other { fn execute(&self) -> u32 { 2 } }
             fn run<C: Command>(c: C) { c.execute(); }
             fn run_where<C>(c: &C) where C: Send + Command { c.execute(); }
             struct Service<R> { repo: R }
             impl<R: Command> Service<R> { fn go(&self) { self.repo.execute(); } }",
        )]);
        let delete = [("Delete::execute".to_string(), Resolved::BoundImpl)];
        assert_eq!(callees(&files, &g, find(&files, 0, "run")), delete);
        assert_eq!(callees(&files, &g, find(&files, 0, "run_where")), delete);
        assert_eq!(callees(&files, &g, find(&files, 0, "go")), delete);
    }

    #[test]
    fn a_destructured_wrapper_parameter_has_the_wrapped_type() {
        let (files, g) = graph(&[(
            "app/src/lib.rs",
            "pub struct Filter;
             impl Filter { fn into_params(self, org: &str) -> Params { todo!() } }
             pub struct Other;
             impl Other { fn into_params(self, org: &str) -> Params { todo!() } }
             async fn list(Path(org): Path<String>, Query(q): Query<Filter>) { q.into_params(&org); }",
        )]);
        assert_eq!(
            callees(&files, &g, find(&files, 0, "list")),
            [("Filter::into_params".to_string(), Resolved::ReceiverType)]
        );
    }

    #[test]
    fn a_local_from_a_workspace_call_has_its_declared_return_type() {
        let (files, g) = graph(&[(
            "app/src/lib.rs",
            "pub struct Repo;
             impl Repo { fn put(&self, id: &str) {} }
             pub struct Cache;
             impl Cache { fn put(&self, id: &str) {} }
             fn open_repo() -> Result<Repo, Error> { todo!() }
             fn http_client() -> Result<reqwest::Client, Error> { todo!() }
             fn f(id: &str) -> Result<(), Error> {
                 let repo = open_repo()?;
                 repo.put(id);
                 let client = match http_client() { Ok(c) => c, Err(e) => return Err(e) };
                 client.put(id);
                 Ok(())
             }",
        )]);
        // The library client's `put` is none of ours.
        assert_eq!(
            callees(&files, &g, find(&files, 0, "f")),
            [
                ("Repo::put".to_string(), Resolved::ReceiverType),
                ("http_client".to_string(), Resolved::Path),
                ("open_repo".to_string(), Resolved::Path),
            ]
        );
    }

    #[test]
    fn calls_in_closures_and_functions_handed_to_combinators() {
        let (files, g) = graph(&[(
            "app/src/lib.rs",
            "fn parse(s: &str) -> Uuid { todo!() }
             fn audit(s: &str) {}
             async fn auth(req: Request, next: Next) -> Response { next.run(req).await }
             async fn list() {}
             fn f(v: Option<&str>) { v.map(parse); v.map(|s| audit(s)); }
             fn app() -> Router { Router::new().route(\"/\", get(list)).layer(from_fn(auth)) }",
        )]);
        assert_eq!(
            callees(&files, &g, find(&files, 0, "f")),
            [
                ("audit".into(), Resolved::Path),
                ("parse".into(), Resolved::FnValue)
            ]
        );
        let handed: Vec<(String, String)> = g
            .handed_fns()
            .iter()
            .map(|h| {
                (
                    h.receiver_call.join("::"),
                    files[0].function(h.func.func).name.name.clone(),
                )
            })
            .collect();
        assert!(
            handed.contains(&("get".into(), "list".into())),
            "{handed:?}"
        );
        assert!(
            handed.contains(&("from_fn".into(), "auth".into())),
            "{handed:?}"
        );
    }

    #[test]
    fn crates_are_named_by_their_manifests_and_inline_modules_are_paths() {
        let sources = [
            (
                "crates/api/src/folders.rs",
                "pub async fn create(org: String) {}
                 mod legacy { pub async fn create(org: String) {} }",
            ),
            (
                "crates/http/src/lib.rs",
                "use myapp_api::folders;
                 fn app() -> Router { Router::new().route(\"/\", post(folders::create)) }",
            ),
        ];
        let parsed: Vec<RustFile> = sources
            .iter()
            .map(|(_, t)| crate::parse::parse_rust(t).expect("parses"))
            .collect();
        let refs: Vec<(&str, &RustFile)> = sources.iter().map(|(p, _)| *p).zip(&parsed).collect();
        let names = HashMap::from([("crates/api".to_string(), "myapp_api".to_string())]);
        let g = CallGraph::build_named(&refs, &names);
        let handed: Vec<FnRef> = g.handed_fns().iter().map(|h| h.func).collect();
        let outer = parsed[0]
            .function_ids()
            .next()
            .map(|func| FnRef { file: 0, func });
        assert_eq!(handed, outer.into_iter().collect::<Vec<_>>());
        assert_eq!(crate_dir("crates/api/src/folders.rs"), Some("crates/api"));
        assert_eq!(crate_dir("src/lib.rs"), Some(""));
        assert_eq!(crate_dir("src/api/src/lib.rs"), Some("src/api"));
        assert_eq!(crate_dir("benches/run.rs"), None);
    }

    #[test]
    fn every_cfg_alternative_of_a_handed_function_is_handed() {
        let (_, g) = graph(&[(
            "app/src/lib.rs",
            "#[cfg(feature = \"cloud\")]
             async fn list() {}
             #[cfg(not(feature = \"cloud\"))]
             async fn list() {}
             fn app() -> Router { Router::new().route(\"/\", get(list)) }",
        )]);
        let handed: Vec<u32> = g
            .handed_fns()
            .iter()
            .filter(|h| h.receiver_call == ["get"])
            .map(|h| h.func.func.0)
            .collect();
        assert_eq!(handed.len(), 2, "{handed:?}");
        assert_ne!(handed[0], handed[1]);
    }

    #[test]
    fn recursion_is_bounded_and_request_paths_stop_at_settling_functions() {
        let (files, mut g) = graph(&[(
            "app/src/lib.rs",
            "fn walk(n: u32) { if n > 0 { walk(n - 1); } even(n); }
             fn even(n: u32) { odd(n); }
             fn odd(n: u32) { even(n); store(n); }
             fn store(n: u32) {}
             async fn handler(n: u32) { check(n); walk(n); }
             async fn guarded(n: u32) { check(n); verified(n); }
             fn verified(n: u32) { store(n); }
             fn check(n: u32) {}",
        )]);
        let reach = g.reachable(find(&files, 0, "walk"), 100);
        assert_eq!(reach.len(), 4, "walk, even, odd, store once each");
        let store = find(&files, 0, "store");
        assert_eq!(
            g.unsettled_request_path(store, |_| false),
            None,
            "no entry point yet"
        );
        g.set_entry(find(&files, 0, "handler"), EntryKind::Handler);
        g.set_entry(find(&files, 0, "guarded"), EntryKind::Handler);
        let verified = find(&files, 0, "verified");
        let walk = find(&files, 0, "walk");
        let path = g
            .unsettled_request_path(store, |f| f == verified)
            .expect("handler → walk → … → store is unsettled");
        assert_eq!(path.first(), Some(&find(&files, 0, "handler")));
        assert_eq!(path.last(), Some(&store));
        assert_eq!(
            g.unsettled_request_path(store, |f| f == verified || f == walk),
            None
        );
    }
}
