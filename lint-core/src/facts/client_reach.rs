//! Which parameters of workspace functions receive a client-chosen value on some request path:
//! the request-value flows of [`crate::taint`] followed from the function that reads a request
//! input, through the workspace calls that pass it on unchecked, to the functions that use it.
//! A value set into a struct literal's field (`DeleteNote { id: path.id }`) reaches every
//! method of that type that reads the field as `self.id`, so a command object handed to a
//! generic executor carries the client's value on. A statement whose row-picking values come
//! from such a parameter or field (or from a request input read in its own function) lets a
//! client choose its rows; one whose values do not (ids a worker selected, keys the server
//! made) does not, whatever its filter.

use crate::facts::workspace::{AnalyzedFile, Workspace};
use crate::ir::{BinOp, ExprId, ExprKind, FnId};
use crate::semantic::callgraph::{EntryKind, FnRef};
use crate::semantic::macros::ReturningMacros;
use crate::taint::{FnFlow, Origin, SinkKind};
use std::collections::{HashMap, HashSet, VecDeque};

/// A function of the workspace: its file's relative path and its id there.
pub type FnKey = (String, FnId);

/// A parameter of a workspace function (`self` not counted).
type ParamKey = (FnKey, u32);

/// A field of a workspace type, by type name and field name.
type FieldKey = (String, String);

/// What a client value can reach: a parameter, or a field its methods read as `self.field`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Node {
    Param(ParamKey),
    Field(FieldKey),
}

impl Node {
    fn param(file: &str, function: FnId, param: u32) -> Node {
        Node::Param(((file.to_string(), function), param))
    }
}

/// How a client value reaches a parameter: the request input it started as, and the functions
/// it passed through, entry first (the function that read the input), the receiving one last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientPath {
    /// `path parameter `id``.
    pub input: String,
    /// `handler (src/api.rs:12) → service (src/svc.rs:40) → repo`.
    pub functions: Vec<String>,
}

impl ClientPath {
    pub fn describe(&self) -> String {
        format!("{} read by {}", self.input, self.functions.join(" → "))
    }
}

#[derive(Debug, Default)]
pub struct ClientReach {
    fed: HashMap<Node, ClientPath>,
    /// Route handlers and RPC methods (call-graph entry points): every request runs them,
    /// whether or not they read a client value.
    handlers: std::collections::HashSet<FnKey>,
    /// The values each function settles the tenant of before it passes them on.
    settled: HashMap<FnKey, Vec<SettledRow>>,
    /// Parameters and fields a client value reaches only through lookups whose returned row
    /// the caller checks: it compares the row's tenant field and stops on a mismatch
    /// (`let p = get(id)?; if p.org_id != org { return Err(NotFound) }`).
    checked: HashMap<Node, ClientPath>,
    /// The calls of each `Option` parameter: how many pass `Some(..)`, and the others.
    option_args: HashMap<ParamKey, OptionCalls>,
    /// Functions some workspace call resolves to by its path or its receiver's type (a
    /// name-and-arity guess does not count: `table.find(id)` is not a call of every `find`).
    called: HashSet<FnKey>,
    /// The trait impls (trait, type) some of whose methods are so called: the workspace's
    /// calls of that impl are in view.
    called_impls: HashSet<(String, String)>,
}

/// A call that passes `None`, or a value that may be `None`, to an `Option` parameter.
#[derive(Debug)]
struct OtherArg {
    caller: FnKey,
    described: String,
    /// The argument as written.
    passes: String,
}

/// The calls that pass a value to one `Option` parameter.
#[derive(Debug, Default)]
struct OptionCalls {
    some: usize,
    /// Calls that pass `None` or a value that may be `None`: the caller and the argument.
    other: Vec<OtherArg>,
}

impl ClientReach {
    /// How a client value reaches parameter `param` (`self` not counted) of a function, if it
    /// does: through unchecked calls or through lookups checked by their result (a checked
    /// tenant does not make the value safe to splice into SQL).
    pub fn param(&self, file: &str, function: FnId, param: u32) -> Option<&ClientPath> {
        let key = Node::param(file, function, param);
        self.fed.get(&key).or_else(|| self.checked.get(&key))
    }

    /// [`ClientReach::param`] through unchecked calls only.
    fn unchecked_param(&self, file: &str, function: FnId, param: u32) -> Option<&ClientPath> {
        self.fed.get(&Node::param(file, function, param))
    }

    /// How a client value reaches parameter `param`, when it does only through lookups whose
    /// returned row a caller checks before using it (see [`ClientReach::build`]).
    pub fn checked_param(&self, file: &str, function: FnId, param: u32) -> Option<&ClientPath> {
        self.checked.get(&Node::param(file, function, param))
    }

    /// How a client value reaches the field of `self` that `origin` (an
    /// [`Origin::SelfField`] of `flow`) reads in a method, and whether only through lookups
    /// checked by their result.
    fn self_field(
        &self,
        file: &AnalyzedFile,
        function: FnId,
        flow: &FnFlow,
        origin: Origin,
    ) -> Option<(&ClientPath, bool)> {
        let Origin::SelfField(k) = origin else {
            return None;
        };
        let ty = owner_type(file.rust.as_ref()?, function)?;
        let key = Node::Field((ty, flow.self_fields.get(k as usize)?.clone()));
        self.fed
            .get(&key)
            .map(|p| (p, false))
            .or_else(|| self.checked.get(&key).map(|p| (p, true)))
    }

    /// Records that a client value reaches `key` along `path`, `checked` when it passed a
    /// lookup whose row the caller checks. An unchecked path wins over a checked one, so one
    /// request path that uses the row unchecked keeps the parameter client-fed. Whether the
    /// parameter's state changed (and its callees need the news).
    fn feed(&mut self, key: &Node, path: ClientPath, checked: bool) -> bool {
        if self.fed.contains_key(key) || checked && self.checked.contains_key(key) {
            return false;
        }
        if checked {
            self.checked.insert(key.clone(), path);
        } else {
            self.checked.remove(key);
            self.fed.insert(key.clone(), path);
        }
        true
    }

    /// Follows every unchecked request value through the workspace calls that receive it.
    /// A call that comes after the caller compared a row's tenant field (`service.account_id
    /// == account.id`, then `delete(service_id)`) passes a value whose tenant is settled. A
    /// call that loads the row the caller then compares that way, stopping on a mismatch,
    /// passes a value whose lookup is checked by its result ([`ClientReach::checked_param`]).
    pub fn build(files: &[AnalyzedFile], ws: &Workspace) -> ClientReach {
        let callees = Callees::index(files);
        let mut reach = ClientReach::default();
        for (f, kind) in ws.call_graph.entries() {
            if matches!(kind, EntryKind::Handler | EntryKind::RpcMethod) {
                if let Some(file) = files.get(f.file) {
                    reach
                        .handlers
                        .insert((file.source.rel_path.clone(), f.func));
                }
            }
        }
        // Edges from a caller's parameter (or a field its method reads) to a callee's
        // parameter or a struct field, followed once the first is fed. Each edge says whether
        // the call is a lookup checked by its result.
        let mut forward: HashMap<Node, Vec<(Node, bool)>> = HashMap::new();
        let mut queue: VecDeque<(Node, bool)> = VecDeque::new();
        for (file_index, file) in files.iter().enumerate() {
            let Some(rust) = &file.rust else { continue };
            let rel = &file.source.rel_path;
            for flow in &file.request_flows {
                let caller = (rel.clone(), flow.function);
                let here = describe_fn(file, flow.function);
                let owner = owner_type(rust, flow.function);
                let settled = settled_rows(file, file_index, flow, ws, &callees);
                let arg_text = |span: crate::span::Span| {
                    file.source.slice(span).trim_start_matches('&').to_string()
                };
                let is_settled = |arg: &str, at: u32| settled.iter().any(|r| r.settles(arg, at));
                // Each value handed on: where it goes, and whether a lookup checked by its
                // result takes it.
                let mut edges: Vec<(Origin, Node, bool)> = Vec::new();
                for u in flow.uses.iter().filter(|u| u.kind == SinkKind::Call) {
                    let arg = arg_text(u.span);
                    if is_settled(&arg, u.span.start) {
                        continue;
                    }
                    let Some(call) = call_of_arg(rust, flow, u.span) else {
                        continue;
                    };
                    let checked = settled.iter().any(|r| r.checks_result_of(&arg, u.span));
                    for (callee, param) in callees.resolve(ws, file_index, &call) {
                        edges.push((u.origin, Node::Param((callee.key.clone(), param)), checked));
                    }
                }
                for init in flow
                    .field_inits
                    .iter()
                    .filter(|i| !is_settled(&arg_text(i.span), i.span.start))
                {
                    let field = Node::Field((init.ty.clone(), init.field.clone()));
                    edges.push((init.origin, field, false));
                }
                for (origin, to, checked) in edges {
                    match origin {
                        Origin::Source(_) if !flow.is_checked(origin) => {
                            let input = flow
                                .source(origin)
                                .map_or_else(|| "a request value".into(), |s| s.describe());
                            let mut functions = vec![here.clone()];
                            functions.extend(callees.node_name(&to));
                            let path = ClientPath { input, functions };
                            if reach.feed(&to, path, checked) {
                                queue.push_back((to, checked));
                            }
                        }
                        Origin::Param(_) | Origin::ParamField(_) => {
                            if let Some(j) = flow.param_of(origin) {
                                forward
                                    .entry(Node::Param((caller.clone(), j)))
                                    .or_default()
                                    .push((to, checked))
                            }
                        }
                        Origin::SelfField(k) => {
                            let field = flow.self_fields.get(k as usize);
                            if let (Some(ty), Some(field)) = (&owner, field) {
                                forward
                                    .entry(Node::Field((ty.clone(), field.clone())))
                                    .or_default()
                                    .push((to, checked))
                            }
                        }
                        // Checked inputs and the identity's tenant after a fallback are not
                        // values a client chose.
                        Origin::Source(_) | Origin::Fallback(_) => {}
                    }
                }
                reach.settled.insert(caller, settled);
            }
        }
        reach.option_args = option_args(files, ws, &callees);
        for (f, callee) in &callees.by_fn {
            let typed_call = ws
                .call_graph
                .callers(*f)
                .any(|e| e.how != crate::semantic::callgraph::Resolved::NameArity);
            if !typed_call {
                continue;
            }
            reach.called.insert(callee.key.clone());
            let rust = files.get(f.file).and_then(|file| file.rust.as_ref());
            if let Some(imp) = rust.and_then(|rust| trait_impl_of(rust, f.func)) {
                reach.called_impls.insert(imp);
            }
        }
        while let Some((from, from_checked)) = queue.pop_front() {
            let Some(next) = forward.get(&from) else {
                continue;
            };
            let path = if from_checked {
                reach.checked.get(&from)
            } else {
                reach.fed.get(&from)
            };
            // A checked entry that an unchecked path replaced since it was queued.
            let Some(path) = path.cloned() else {
                continue;
            };
            for (to, edge_checked) in next {
                let checked = from_checked || *edge_checked;
                let mut p = path.clone();
                p.functions.extend(callees.node_name(to));
                if reach.feed(to, p, checked) {
                    queue.push_back((to.clone(), checked));
                }
            }
        }
        reach
    }

    /// Who picks the rows of a query in `function` whose tenant filter applies only when its
    /// parameter `param` is `Some`: the calls that pass anything else, judged as their own
    /// statements would be, and a note on the call. `None` when no call of it is known.
    pub fn when_some_rows(
        &self,
        file: &str,
        function: FnId,
        param: u32,
    ) -> Option<(RowChoice, String)> {
        let calls = self
            .option_args
            .get(&((file.to_string(), function), param))?;
        let mut best: Option<(RowChoice, String)> = None;
        for OtherArg {
            caller,
            described,
            passes,
        } in &calls.other
        {
            let note = format!(
                "; its tenant filter applies only when it is passed `Some`, and {described} passes `{passes}`"
            );
            let fed = self
                .fed
                .iter()
                .chain(&self.checked)
                .find(|(node, _)| matches!(node, Node::Param((f, _)) if f == caller))
                .map(|(_, path)| path.clone());
            let choice = match fed {
                Some(path) => RowChoice::Client(path),
                None if self.handlers.contains(caller) => RowChoice::Request(described.clone()),
                None => RowChoice::Server,
            };
            let rank = |c: &RowChoice| match c {
                RowChoice::Client(_) => 2,
                RowChoice::Request(_) => 1,
                _ => 0,
            };
            if best.as_ref().is_none_or(|(b, _)| rank(&choice) > rank(b)) {
                best = Some((choice, note));
            }
        }
        best.or_else(|| {
            (calls.some > 0).then(|| {
                (
                    RowChoice::Settled(
                        "every call passes `Some`, which applies its tenant filter".into(),
                    ),
                    String::new(),
                )
            })
        })
    }
}

/// Every workspace call's arguments to `Option` parameters: `Some(..)`, or something that may
/// be `None` (the literal, or a value of the caller's).
fn option_args(
    files: &[AnalyzedFile],
    ws: &Workspace,
    callees: &Callees,
) -> HashMap<ParamKey, OptionCalls> {
    let mut out: HashMap<ParamKey, OptionCalls> = HashMap::new();
    for (file_index, file) in files.iter().enumerate() {
        let Some(rust) = &file.rust else { continue };
        for (call, function) in &rust.calls {
            let Some(function) = function else { continue };
            let (args, method): (&[ExprId], bool) = match &rust.expr(*call).kind {
                ExprKind::Call { args, .. } => (args, false),
                ExprKind::MethodCall { args, .. } => (args, true),
                _ => continue,
            };
            for (position, arg) in args.iter().enumerate() {
                let call_arg = CallArg {
                    call: *call,
                    position,
                    args: args.len(),
                    method,
                };
                for (callee, param) in callees.resolve(ws, file_index, &call_arg) {
                    if !callee.option_params.contains(&param) {
                        continue;
                    }
                    let calls = out.entry((callee.key.clone(), param)).or_default();
                    let passed = rust.strip(*arg);
                    let some = matches!(
                        &rust.expr(passed).kind,
                        ExprKind::Call { func, args }
                            if args.len() == 1
                                && matches!(&rust.expr(*func).kind, ExprKind::Path(p) if p.last() == "Some")
                    );
                    if some {
                        calls.some += 1;
                    } else {
                        calls.other.push(OtherArg {
                            caller: (file.source.rel_path.clone(), *function),
                            described: describe_fn(file, *function),
                            passes: file.source.slice(rust.expr(passed).span).to_string(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// A row loaded by some values whose tenant field the function then compares with another
/// value (`let s = find(id)?; if s.account_id != me.account_id { return .. }`), or that a
/// statement anchored to the tenant found (see [`settled_by_scoped_lookup`]): where the check
/// ends, and the names of the values the row was loaded by (`id`, `self.id`).
#[derive(Debug)]
struct SettledRow {
    at: u32,
    /// Where the check stops holding: the end of the `match` arm whose guard made it
    /// (`u32::MAX` for a check that holds to the end of the function).
    until: u32,
    keys: Vec<String>,
    /// The `let` initializer that loaded the row, when the function stops on a mismatch of
    /// its tenant field (`if row.org_id != org { return .. }`): the lookup in it is checked by
    /// its result.
    checked_load: Option<crate::span::Span>,
}

impl SettledRow {
    fn settles(&self, name: &str, at: u32) -> bool {
        (self.at..self.until).contains(&at) && self.keys.iter().any(|k| k == name)
    }

    /// Whether the value `name` at `arg` is a key of the lookup whose row this check settles.
    fn checks_result_of(&self, name: &str, arg: crate::span::Span) -> bool {
        self.checked_load
            .is_some_and(|l| l.start <= arg.start && arg.end <= l.end)
            && self.keys.iter().any(|k| k == name)
    }
}

fn settled_rows(
    file: &AnalyzedFile,
    file_index: usize,
    flow: &FnFlow,
    ws: &Workspace,
    callees: &Callees,
) -> Vec<SettledRow> {
    let Some(rust) = &file.rust else {
        return Vec::new();
    };
    let function = flow.function;
    let mut out = settled_by_scoped_lookup(file, ws, function);
    out.extend(checked_with_identity(rust, file_index, flow, ws, callees));
    rust.walk_block(&rust.function(function).body, &mut |id| {
        let e = rust.expr(id);
        if let Some(row) = lookup_under_tenant(rust, file_index, id, ws, callees)
            .filter(|_| !failure_continues(rust, function, id))
        {
            out.push(row);
            return;
        }
        let guarded = guarded_match(rust, ws, function, id);
        if !guarded.is_empty() {
            out.extend(guarded);
            return;
        }
        let ExprKind::Binary {
            op: BinOp::Eq | BinOp::Ne,
            lhs,
            rhs,
        } = &e.kind
        else {
            return;
        };
        for side in [*lhs, *rhs] {
            let Some(row) = tenant_field_of(rust, ws, side) else {
                continue;
            };
            let Some(init) = crate::flow::reaching_let(rust, function, row, e.span.start) else {
                continue;
            };
            let keys = call_keys(rust, init);
            let stops = mismatch_stops(rust, &ws.returning_macros, function, id);
            if !keys.is_empty()
                && (stops || comparison_decides(rust, &ws.returning_macros, function, id))
            {
                out.push(SettledRow {
                    at: e.span.end,
                    until: u32::MAX,
                    keys,
                    checked_load: stops.then(|| rust.expr(init).span),
                });
            }
        }
    });
    out
}

/// Fetches that fail when the statement returns no row.
const ONE_ROW_FETCHES: &[&str] = &["fetch_one", "query_one"];
/// Fetches that return the row when there is one.
const OPTIONAL_FETCHES: &[&str] = &["fetch_optional", "query_opt"];

/// Rows the function hands, with the caller's verified identity, to a check of the workspace
/// whose "no" stops it (`let Some(doc) = find(id)? else { .. }; if !doc.readable_by(user.id,
/// &db).await { return .. }`): what the caller sees of the row is decided by that check, so the
/// lookup is checked by its result, as by a comparison of the row's tenant field. A check that
/// reads the row alone, one whose body allows everyone, and one the call graph only guesses by
/// name do not count.
fn checked_with_identity(
    rust: &crate::model::RustFile,
    file_index: usize,
    flow: &FnFlow,
    ws: &Workspace,
    callees: &Callees,
) -> Vec<SettledRow> {
    let f = rust.function(flow.function);
    let mut identity = Vec::new();
    for param in f
        .params
        .iter()
        .filter(|p| flow.identity_params.contains(&p.span))
    {
        rust.bindings(param.pat, &mut identity);
    }
    let identity: Vec<String> = identity.into_iter().map(|(n, _)| n).collect();
    if identity.is_empty() {
        return Vec::new();
    }
    let loaded_row = |e: ExprId| {
        let name = rust.as_ident(rust.strip(e))?;
        if identity.iter().any(|i| i == name) {
            return None;
        }
        let at = rust.expr(e).span.start;
        // The last `let` before the use that binds the name (`let Some(doc) = .. else`), or
        // the `if let` whose branch holds the use, whichever binds it later.
        let by_let = f.lets.lets.iter().rev().find_map(|l| {
            let mut names = Vec::new();
            rust.bindings(l.pat, &mut names);
            (l.span.end <= at && names.iter().any(|(n, _)| n == name))
                .then_some((l.init, l.span.end))
        });
        let by_if_let = crate::semantic::bindings::reaching_if_let(rust, f, name, at)
            .map(|(init, from)| (Some(init), from));
        let init = match (by_let, by_if_let) {
            (Some(l), Some(i)) => Some(if i.1 > l.1 { i } else { l }),
            (l, i) => l.or(i),
        }?
        .0?;
        let keys = call_keys(rust, init);
        (!keys.is_empty()).then_some((init, keys))
    };
    let from_identity =
        |e: ExprId| root_binding(rust, e).is_some_and(|n| identity.iter().any(|i| i == n));
    let workspace_check = |call: ExprId| {
        let mut targets = ws
            .call_graph
            .call_targets(file_index, call)
            .filter(|e| e.how != crate::semantic::callgraph::Resolved::NameArity)
            .filter_map(|e| callees.by_fn.get(&e.callee))
            .peekable();
        targets.peek().is_some() && targets.all(|c| !c.allows_all)
    };
    let row_check = |call: ExprId| -> Option<(ExprId, Vec<String>)> {
        let operands: Vec<ExprId> = match &rust.expr(call).kind {
            ExprKind::MethodCall { receiver, args, .. } => std::iter::once(*receiver)
                .chain(args.iter().copied())
                .collect(),
            ExprKind::Call { args, .. } => args.clone(),
            _ => return None,
        };
        let row = operands.iter().find_map(|o| loaded_row(*o))?;
        (operands.iter().any(|o| from_identity(*o)) && workspace_check(call)).then_some(row)
    };
    let decision = |id: ExprId| row_check(id).map(|_| crate::knowledge::http::authz::Denial::False);
    crate::facts::decisions::branching_calls(rust, f, &ws.returning_macros, &decision)
        .into_iter()
        .filter_map(|call| {
            let (init, keys) = row_check(call)?;
            Some(SettledRow {
                at: rust.expr(call).span.end,
                until: u32::MAX,
                keys,
                checked_load: Some(rust.expr(init).span),
            })
        })
        .collect()
}

/// The binding a value is read from: `user` for `&user.id`, `user.id()`, `user.claims.sub`.
fn root_binding(rust: &crate::model::RustFile, e: ExprId) -> Option<&str> {
    let e = rust.strip(e);
    match &rust.expr(e).kind {
        ExprKind::Field { base, .. } => root_binding(rust, *base),
        ExprKind::MethodCall { receiver, args, .. } if args.is_empty() => {
            root_binding(rust, *receiver)
        }
        _ => rust.as_ident(e),
    }
}

/// Keys settled by a statement anchored to one tenant that stops the function when it finds no
/// row: `UPDATE t SET .. WHERE tenant_id = $1 AND id = $2 RETURNING id` run with
/// `fetch_one(..).await?`, or with `fetch_optional` and then a `?` on what the optional row
/// becomes (`.ok_or(..)?`, `not_found(row)?`). Past it, the statement's bound values name a
/// row of the caller's tenant, so later statements keyed by them (in the same transaction or
/// not) act on that tenant's row.
fn settled_by_scoped_lookup(
    file: &AnalyzedFile,
    ws: &Workspace,
    function: FnId,
) -> Vec<SettledRow> {
    let Some(rust) = &file.rust else {
        return Vec::new();
    };
    let scoped: Vec<&crate::sql::SqlSite> = file
        .sql_sites
        .iter()
        .filter(|s| s.function == Some(function))
        .filter(|s| crate::sql_scope::site_finds_tenant_rows(s, ws, &file.source.work))
        .collect();
    if scoped.is_empty() {
        return Vec::new();
    }
    let stops = stops_on_no_row(rust, function);
    scoped
        .into_iter()
        .filter_map(|site| {
            let keys: Vec<String> = site
                .binds
                .iter()
                .filter_map(|b| value_name(rust, *b))
                .collect();
            let at = *stops.get(&site.call?)?;
            (!keys.is_empty()).then_some(SettledRow {
                at,
                until: u32::MAX,
                keys,
                checked_load: None,
            })
        })
        .collect()
}

/// For each expression handed to a row fetch of `function`, where the function stops unless
/// that fetch returned a row: the end of a `fetch_one`, or the first `?` that consumes what a
/// `fetch_optional` returns (the fetch itself, or a name its row is bound to). One pass over
/// the body serves every SQL call of the function.
fn stops_on_no_row(rust: &crate::model::RustFile, function: FnId) -> HashMap<ExprId, u32> {
    let body = &rust.function(function).body;
    let mut fetches: Vec<(ExprId, ExprId, bool)> = Vec::new();
    rust.walk_block(body, &mut |id| {
        if let ExprKind::MethodCall {
            receiver, method, ..
        } = &rust.expr(id).kind
        {
            let one_row = ONE_ROW_FETCHES.contains(&method.name.as_str());
            if one_row || OPTIONAL_FETCHES.contains(&method.name.as_str()) {
                fetches.push((id, *receiver, one_row));
            }
        }
    });
    // The first fetch, in walk order, whose receiver holds each expression.
    let mut fetch_of: HashMap<ExprId, (ExprId, bool)> = HashMap::new();
    for &(fetch, receiver, one_row) in &fetches {
        rust.walk_expr(receiver, &mut |x| {
            fetch_of.entry(x).or_insert((fetch, one_row));
        });
    }
    let optional: HashSet<ExprId> = fetch_of
        .values()
        .filter(|(_, one_row)| !one_row)
        .map(|(f, _)| *f)
        .collect();
    let mut consumed_at: HashMap<ExprId, u32> = HashMap::new();
    if !optional.is_empty() {
        // The optional fetches each name's row comes from.
        let mut rows_of: HashMap<String, Vec<ExprId>> = HashMap::new();
        rust.visit_lets(body, &mut |pat, init, _| {
            let Some(init) = init else { return };
            let mut held = Vec::new();
            rust.walk_expr(init, &mut |x| {
                if optional.contains(&x) {
                    held.push(x);
                }
            });
            if held.is_empty() {
                return;
            }
            let mut names = Vec::new();
            rust.bindings(pat, &mut names);
            for (name, _) in names {
                rows_of.entry(name).or_default().extend(&held);
            }
        });
        let rows_named = |e: ExprId| -> &[ExprId] {
            rust.as_ident(rust.strip(e))
                .and_then(|n| rows_of.get(n))
                .map_or(&[], Vec::as_slice)
        };
        rust.walk_block(body, &mut |id| {
            let ExprKind::Try(inner) = &rust.expr(id).kind else {
                return;
            };
            let inner = rust.strip(*inner);
            let mut consumed: Vec<ExprId> = Vec::new();
            match &rust.expr(inner).kind {
                ExprKind::MethodCall { receiver, args, .. } => {
                    rust.walk_expr(*receiver, &mut |x| {
                        if optional.contains(&x) {
                            consumed.push(x);
                        }
                    });
                    consumed.extend(rows_named(*receiver));
                    consumed.retain(|&f| f != inner);
                    for a in args {
                        consumed.extend(rows_named(*a));
                    }
                }
                ExprKind::Call { args, .. } => {
                    for a in args {
                        consumed.extend(rows_named(*a));
                    }
                }
                _ => {}
            }
            let end = rust.expr(id).span.end;
            for f in consumed {
                consumed_at.entry(f).or_insert(end);
            }
        });
    }
    fetch_of
        .into_iter()
        .filter_map(|(x, (fetch, one_row))| {
            let at = if one_row {
                rust.expr(fetch).span.end
            } else {
                *consumed_at.get(&fetch)?
            };
            Some((x, at))
        })
        .collect()
}

/// The pattern of a found row: `Ok(..)`, `Some(..)`, but not `Ok(None)`, the miss of a
/// lookup that returns `Result<Option<_>, _>`.
fn is_success(rust: &crate::model::RustFile, pat: crate::ir::PatId) -> bool {
    let crate::ir::PatKind::TupleStruct { path, elems } = &rust.pat(pat).kind else {
        return false;
    };
    // syn reads a bare `None` in a pattern as a binding named `None`.
    let holds_none = || {
        matches!(elems.as_slice(), [inner] if match &rust.pat(*inner).kind {
            crate::ir::PatKind::Path(p) => p.last() == "None",
            crate::ir::PatKind::Ident { name, sub: None } => name == "None",
            _ => false,
        })
    };
    match path.last() {
        "Some" => true,
        "Ok" => !holds_none(),
        _ => false,
    }
}

/// A pattern that matches anything: `_` or a plain binding (not `None`, which syn reads as
/// one).
fn is_catch_all(rust: &crate::model::RustFile, pat: crate::ir::PatId) -> bool {
    match &rust.pat(pat).kind {
        crate::ir::PatKind::Wild => true,
        crate::ir::PatKind::Ident { name, sub: None } => name != "None",
        _ => false,
    }
}

/// Whether the function goes on when `call` finds nothing: an `if let Some(hit) = call`, or a
/// `match` on it whose success arm returns or whose failure arm does not, acts on a miss too
/// (`if let Some(hit) = cached(org, id) { return hit }`, `Err(_) => fallback(id)`).
fn failure_continues(rust: &crate::model::RustFile, function: FnId, call: ExprId) -> bool {
    let body = &rust.function(function).body;
    let returns = |root: ExprId| {
        let mut found = false;
        rust.walk_expr(root, &mut |x| {
            found |= matches!(rust.expr(x).kind, ExprKind::Return(_))
        });
        found
    };
    let mut continues = false;
    rust.walk_block(body, &mut |id| match &rust.expr(id).kind {
        ExprKind::Let { pat, expr } => {
            continues |= rust.strip(*expr) == call && is_success(rust, *pat)
        }
        ExprKind::Match { scrutinee, arms } if rust.strip(*scrutinee) == call => {
            // A catch-all arm (`_`, a binding) takes what the others leave: the found row
            // when they only name misses (`Err(_) => return, Ok(None) => return, _ => {}`),
            // a miss when one of them names the row.
            let names_row = arms.iter().any(|a| is_success(rust, a.pat));
            continues |= arms.iter().any(|a| {
                let found = is_success(rust, a.pat) || (!names_row && is_catch_all(rust, a.pat));
                found == returns(a.body)
            })
        }
        _ => {}
    });
    continues
}

/// A lookup of one row under the tenant (`get(&job_id, &org_id)?`, `get_by_id(org, id)?`): a
/// call of a workspace function that returns one row, not a collection, with a tenant value
/// and the key among its arguments. It fails for another tenant's key, so the key is settled
/// after it, unless the function goes on past a miss ([`failure_continues`]).
fn lookup_under_tenant(
    rust: &crate::model::RustFile,
    file_index: usize,
    call: ExprId,
    ws: &Workspace,
    callees: &Callees,
) -> Option<SettledRow> {
    let e = rust.expr(call);
    let args = match &e.kind {
        ExprKind::Call { args, .. } | ExprKind::MethodCall { args, .. } => args,
        _ => return None,
    };
    let idents: Vec<&str> = args
        .iter()
        .filter_map(|a| rust.as_ident(rust.strip(*a)))
        .collect();
    let (tenant, keys): (Vec<&str>, Vec<&str>) = idents.iter().partition(|n| ws.is_tenant_name(n));
    if tenant.is_empty() || keys.is_empty() {
        return None;
    }
    let one_row = ws
        .call_graph
        .call_targets(file_index, call)
        .filter_map(|edge| callees.by_fn.get(&edge.callee))
        .any(|c| c.returns_one_row && c.arity + usize::from(c.has_self) >= args.len());
    one_row.then(|| SettledRow {
        at: e.span.end,
        until: u32::MAX,
        keys: keys.into_iter().map(str::to_string).collect(),
        checked_load: None,
    })
}

/// The binding whose tenant field `side` reads (`row.org_id` → `row`).
fn tenant_field_of<'a>(
    rust: &'a crate::model::RustFile,
    ws: &Workspace,
    side: ExprId,
) -> Option<&'a str> {
    let ExprKind::Field { base, member } = &rust.expr(rust.strip(side)).kind else {
        return None;
    };
    (ws.is_tenant_column(&member.name) || ws.is_tenant_name(&member.name))
        .then(|| rust.as_ident(rust.strip(*base)))
        .flatten()
}

/// The names of the values the calls under `root` are made with (`get(conn, &self.id)` →
/// `conn`, `self.id`).
fn call_keys(rust: &crate::model::RustFile, root: ExprId) -> Vec<String> {
    let mut keys = Vec::new();
    rust.walk_expr(root, &mut |x| {
        if let ExprKind::Call { args, .. } | ExprKind::MethodCall { args, .. } = &rust.expr(x).kind
        {
            keys.extend(args.iter().filter_map(|a| value_name(rust, *a)));
        }
    });
    keys
}

/// How a settled value is named: a binding (`id`), or a field of `self` (`self.id`), as
/// its text reads.
fn value_name(rust: &crate::model::RustFile, e: ExprId) -> Option<String> {
    let e = rust.strip(e);
    if let Some(name) = rust.as_ident(e) {
        return Some(name.to_string());
    }
    let ExprKind::Field { base, member } = &rust.expr(e).kind else {
        return None;
    };
    (rust.as_ident(rust.strip(*base)) == Some("self")).then(|| format!("self.{}", member.name))
}

/// A `match` on a lookup that goes on only with a row whose tenant field a guard compares
/// (`Ok(Some(r)) if r.org_id == org_id => .., Ok(_) => Err(NotFound), Err(e) => Err(..)`):
/// every arm without such a guard stops the function. The lookup is the scrutinee, or the
/// `let` that bound it (`let res = find(id).await?; match res { .. }`). It is checked by its
/// result, and its keys are settled in the guarded arms and past the `match`.
fn guarded_match(
    rust: &crate::model::RustFile,
    ws: &Workspace,
    function: FnId,
    id: ExprId,
) -> Vec<SettledRow> {
    let ExprKind::Match { scrutinee, arms } = &rust.expr(id).kind else {
        return Vec::new();
    };
    let scrutinee = rust.strip(*scrutinee);
    let lookup = rust
        .as_ident(scrutinee)
        .and_then(|name| {
            crate::flow::reaching_let(rust, function, name, rust.expr(scrutinee).span.start)
        })
        .unwrap_or(scrutinee);
    let checks_row = |arm: &crate::ir::Arm| {
        let Some(guard) = arm.guard else {
            return false;
        };
        let mut bound = Vec::new();
        rust.bindings(arm.pat, &mut bound);
        let ExprKind::Binary {
            op: BinOp::Eq,
            lhs,
            rhs,
        } = &rust.expr(rust.strip(guard)).kind
        else {
            return false;
        };
        [*lhs, *rhs].iter().any(|side| {
            tenant_field_of(rust, ws, *side).is_some_and(|b| bound.iter().any(|(n, _)| n == b))
        })
    };
    let (guarded, others): (Vec<&crate::ir::Arm>, Vec<&crate::ir::Arm>) =
        arms.iter().partition(|a| checks_row(a));
    let others_stop = others
        .iter()
        .all(|a| crate::facts::decisions::stops_expr(rust, &ws.returning_macros, a.body));
    let keys = call_keys(rust, lookup);
    if guarded.is_empty() || !others_stop || keys.is_empty() {
        return Vec::new();
    }
    let in_arms = guarded.iter().map(|a| {
        let body = rust.expr(a.body).span;
        SettledRow {
            at: body.start,
            until: body.end,
            keys: keys.clone(),
            checked_load: None,
        }
    });
    let past = SettledRow {
        at: rust.expr(id).span.end,
        until: u32::MAX,
        keys: keys.clone(),
        checked_load: Some(rust.expr(lookup).span),
    };
    in_arms.chain([past]).collect()
}

/// Whether the function stops when the comparison `cmp` says the values differ: it is the
/// condition of an `if` whose branch for a mismatch leaves (`if a != b { return .. }`,
/// `if a == b { .. } else { return .. }`).
fn mismatch_stops(
    rust: &crate::model::RustFile,
    macros: &ReturningMacros,
    function: FnId,
    cmp: ExprId,
) -> bool {
    let ExprKind::Binary { op, .. } = &rust.expr(cmp).kind else {
        return false;
    };
    let mut stops = false;
    rust.walk_block(&rust.function(function).body, &mut |id| {
        let ExprKind::If {
            cond,
            then,
            otherwise,
        } = &rust.expr(id).kind
        else {
            return;
        };
        if rust.strip(*cond) != cmp {
            return;
        }
        stops |= match op {
            BinOp::Ne => crate::facts::decisions::stops(rust, macros, then),
            BinOp::Eq => {
                otherwise.is_some_and(|o| crate::facts::decisions::stops_expr(rust, macros, o))
            }
            _ => false,
        };
    });
    stops
}

/// Whether the answer of the comparison `cmp` decides whether `function` goes on (a condition
/// whose branch stops, `ensure!`, the function's result): one whose answer is only logged or
/// dropped settles nothing.
fn comparison_decides(
    rust: &crate::model::RustFile,
    macros: &ReturningMacros,
    function: FnId,
    cmp: ExprId,
) -> bool {
    let denial = crate::knowledge::http::authz::Denial::False;
    crate::facts::decisions::deciding_comparisons(rust, rust.function(function), macros, denial)
        .contains(&cmp)
}

/// `name (file:line)`.
pub fn describe_fn(file: &AnalyzedFile, id: FnId) -> String {
    let Some(rust) = &file.rust else {
        return String::new();
    };
    let f = rust.function(id);
    format!(
        "`{}` ({}:{})",
        f.name.name,
        file.source.rel_path,
        file.source.line_of(f.span.start)
    )
}

/// A call's argument: the call, the argument's position, the number of arguments and whether
/// it is a method call.
struct CallArg {
    call: ExprId,
    position: usize,
    args: usize,
    method: bool,
}

/// The call in `flow`'s function that has an argument at `arg`.
fn call_of_arg(
    rust: &crate::model::RustFile,
    flow: &FnFlow,
    arg: crate::span::Span,
) -> Option<CallArg> {
    rust.calls
        .iter()
        .filter(|(_, f)| *f == Some(flow.function))
        .find_map(|(call, _)| {
            let (args, method): (&[ExprId], bool) = match &rust.expr(*call).kind {
                ExprKind::Call { args, .. } => (args, false),
                ExprKind::MethodCall { args, .. } => (args, true),
                _ => return None,
            };
            let position = args.iter().position(|a| rust.expr(*a).span == arg)?;
            Some(CallArg {
                call: *call,
                position,
                args: args.len(),
                method,
            })
        })
}

/// Collection types: a function returning one lists rows rather than looking one up.
const COLLECTIONS: &[&str] = &[
    "Vec", "HashMap", "BTreeMap", "HashSet", "BTreeSet", "VecDeque",
];

/// Workspace functions by call-graph reference, with what following a call needs.
struct Callees {
    by_fn: HashMap<FnRef, Callee>,
    names: HashMap<FnKey, String>,
}

struct Callee {
    key: FnKey,
    has_self: bool,
    arity: usize,
    /// It returns something that is not a collection (`Result<Model>`, `Option<Row>`).
    returns_one_row: bool,
    /// The parameters (`self` not counted) declared `Option<..>`.
    option_params: Vec<u32>,
    /// Its body is only a constant success: as a check, it allows anyone.
    allows_all: bool,
}

impl Callees {
    /// How a path names a node it passes through: the function, or `Type.field`.
    fn node_name(&self, node: &Node) -> Option<String> {
        match node {
            Node::Param((f, _)) => self.names.get(f).cloned(),
            Node::Field((ty, field)) => Some(format!("`{ty}.{field}`")),
        }
    }

    fn index(files: &[AnalyzedFile]) -> Callees {
        let mut by_fn = HashMap::new();
        let mut names = HashMap::new();
        for (file_index, file) in files.iter().enumerate() {
            let Some(rust) = &file.rust else { continue };
            for id in rust.function_ids() {
                let f = rust.function(id);
                let has_self = rust.has_self(f);
                let key = (file.source.rel_path.clone(), id);
                names.insert(key.clone(), describe_fn(file, id));
                let unit = |t: &crate::ir::Ty| matches!(t, crate::ir::Ty::Tuple(v) if v.is_empty());
                let returns_one_row = f.ret.as_ref().is_some_and(|t| {
                    !COLLECTIONS.iter().any(|c| t.mentions(c))
                        && t.name() != "bool"
                        && !unit(t)
                        && !t.args().first().is_some_and(unit)
                });
                by_fn.insert(
                    FnRef {
                        file: file_index,
                        func: id,
                    },
                    Callee {
                        key,
                        has_self,
                        arity: f.params.len() - usize::from(has_self),
                        returns_one_row,
                        option_params: (0u32..)
                            .zip(f.params.iter().skip(usize::from(has_self)))
                            .filter(|(_, p)| p.ty.name() == "Option")
                            .map(|(i, _)| i)
                            .collect(),
                        allows_all: crate::taint::always_allows(rust, f),
                    },
                );
            }
        }
        Callees { by_fn, names }
    }

    /// The functions a call may reach (its call-graph edges: every impl of a trait method,
    /// every candidate of a name-and-arity resolution), with the parameter its argument binds:
    /// a method call's receiver is `self`; `Type::method(x, ..)` passes it first.
    fn resolve(&self, ws: &Workspace, file_index: usize, call: &CallArg) -> Vec<(&Callee, u32)> {
        ws.call_graph
            .call_targets(file_index, call.call)
            .filter_map(|edge| self.by_fn.get(&edge.callee))
            .filter(|c| !call.method || c.has_self)
            .filter_map(|c| {
                let shift = usize::from(c.has_self && !call.method);
                let param = call.position.checked_sub(shift)?;
                (c.arity + shift == call.args).then_some((c, param as u32))
            })
            .collect()
    }
}

/// Who picks the rows an SQL statement touches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowChoice {
    /// A client-chosen value picks them, along this path.
    Client(ClientPath),
    /// The statement is in a function that handles a request and nothing is bound: it acts on
    /// whatever rows it selects, for any caller.
    Request(String),
    /// The SQL is not in a function (a `.sql` query file): its callers are not known.
    Unknown,
    /// The values come from the parameters of a trait method's impl (a repository trait)
    /// none of whose methods a workspace call resolves to (its callers are outside the
    /// workspace): its callers are not known.
    Dispatched(String),
    /// No client value reaches what picks the rows: bound values the server made or read
    /// from the database, in functions no request value reaches (workers, schedulers, CLIs).
    Server,
    /// A client value picks them, but a check before the statement settled its tenant: why.
    Settled(String),
    /// A client value picks them, along this path, only through lookups whose returned row
    /// the caller checks: it compares the row's tenant field and stops on a mismatch. The
    /// statement is taken to read the row, not to change it.
    Checked(ClientPath),
}

/// Who picks the rows of one SQL site's statements, from the values bound or spliced into it.
pub fn site_rows(
    file: &AnalyzedFile,
    reach: &ClientReach,
    site: &crate::sql::SqlSite,
) -> RowChoice {
    let Some(function) = site.function else {
        return RowChoice::Unknown;
    };
    let Some(rust) = &file.rust else {
        return RowChoice::Unknown;
    };
    let Some(flow) = flow_of(file, function) else {
        return RowChoice::Unknown;
    };
    let all_values: Vec<ExprId> = site
        .binds
        .iter()
        .copied()
        .chain(site.text.holes().filter_map(|(_, e, _)| e))
        .collect();
    let settled = reach
        .settled
        .get(&(file.source.rel_path.clone(), function))
        .map_or(&[][..], Vec::as_slice);
    let (settled_values, values): (Vec<ExprId>, Vec<ExprId>) = all_values.iter().partition(|e| {
        let at = rust.expr(**e).span.start;
        value_name(rust, **e).is_some_and(|n| settled.iter().any(|r| r.settles(&n, at)))
    });
    let mut from_params = false;
    let mut checked = None;
    for value in values.iter().map(|e| rust.expr(*e).span) {
        match value_choice(file, reach, function, value) {
            Some(ValueChoice::Client(path)) if is_checked_value(file, reach, function, value) => {
                checked = checked.or(Some(path))
            }
            Some(ValueChoice::Client(path)) => return RowChoice::Client(path),
            Some(ValueChoice::Server { param: true }) => from_params = true,
            _ => {}
        }
    }
    if let Some(path) = checked {
        return RowChoice::Checked(path);
    }
    if from_params {
        if let Some(t) = reach.uncalled_trait_method(file, function) {
            return RowChoice::Dispatched(t);
        }
    }
    let handles_request = !flow.sources.is_empty()
        || flow.trusted_param.is_some()
        || reach
            .handlers
            .contains(&(file.source.rel_path.clone(), function));
    if let Some(v) = settled_values.first() {
        let name = value_name(rust, *v).unwrap_or_default();
        return RowChoice::Settled(format!(
            "`{name}` was settled under the tenant earlier in {}",
            describe_fn(file, function)
        ));
    }
    if all_values.is_empty() && handles_request {
        return RowChoice::Request(describe_fn(file, function));
    }
    RowChoice::Server
}

/// Who picks the rows of an ORM query in `function`: the flow analysis does not follow which
/// values filter it, so the function's own client values decide.
pub fn function_rows(file: &AnalyzedFile, reach: &ClientReach, function: FnId) -> RowChoice {
    let (Some(rust), Some(flow)) = (&file.rust, flow_of(file, function)) else {
        return RowChoice::Unknown;
    };
    if let Some(path) = client_value(file, reach, function, false) {
        return RowChoice::Client(path);
    }
    if let Some(path) = client_value(file, reach, function, true) {
        return RowChoice::Checked(path);
    }
    let takes_values = rust
        .function(function)
        .params
        .iter()
        .any(|p| !rust.is_self_param(p));
    if takes_values {
        if let Some(t) = reach.uncalled_trait_method(file, function) {
            return RowChoice::Dispatched(t);
        }
    }
    if flow.trusted_param.is_some() {
        return RowChoice::Request(describe_fn(file, function));
    }
    RowChoice::Server
}

/// The type a method is defined on (`impl Type`, `impl Trait for Type`).
fn owner_type(rust: &crate::model::RustFile, function: FnId) -> Option<String> {
    let owner = rust.function(function).owner.as_ref()?;
    Some(owner.self_ty.name().to_string())
}

/// The trait and type of the trait `impl` a method is in.
fn trait_impl_of(rust: &crate::model::RustFile, function: FnId) -> Option<(String, String)> {
    let owner = rust.function(function).owner.as_ref()?;
    let t = owner.trait_path.as_ref()?;
    Some((t.last().to_string(), owner.self_ty.name().to_string()))
}

impl ClientReach {
    /// The trait a method implements, when the function is in a trait `impl` whose methods
    /// no call of the workspace is seen reaching (its callers are outside the workspace). A
    /// method of an impl whose other methods the workspace calls, that nothing calls itself,
    /// receives nothing from a request.
    fn uncalled_trait_method(&self, file: &AnalyzedFile, function: FnId) -> Option<String> {
        let imp = trait_impl_of(file.rust.as_ref()?, function)?;
        let key = (file.source.rel_path.clone(), function);
        let seen = self.called.contains(&key) || self.called_impls.contains(&imp);
        (!seen).then_some(imp.0)
    }
}

/// What the flow analysis knows of one value used as SQL (a bind or a spliced value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueChoice {
    /// A client-chosen value, along this path.
    Client(ClientPath),
    /// A checked input, or a parameter (`param`) no unchecked client value reaches.
    Server { param: bool },
}

/// The value at `span` in `function`, when the flow analysis followed it there (`None` for
/// values it does not track, such as rows read from the database).
pub fn value_choice(
    file: &AnalyzedFile,
    reach: &ClientReach,
    function: FnId,
    span: crate::span::Span,
) -> Option<ValueChoice> {
    let flow = flow_of(file, function)?;
    let mut found = None;
    let uses = flow
        .uses
        .iter()
        .filter(|u| matches!(u.kind, SinkKind::SqlBind | SinkKind::SqlText) && u.span == span);
    for u in uses {
        match u.origin {
            Origin::Source(_) if !flow.is_checked(u.origin) => {
                let input = flow
                    .source(u.origin)
                    .map_or_else(|| "a request value".into(), |s| s.describe());
                return Some(ValueChoice::Client(ClientPath {
                    input,
                    functions: vec![describe_fn(file, function)],
                }));
            }
            Origin::Param(_) | Origin::ParamField(_) => {
                let i = flow.param_of(u.origin).unwrap_or_default();
                match reach.param(&file.source.rel_path, function, i) {
                    Some(path) => return Some(ValueChoice::Client(path.clone())),
                    None => found = Some(ValueChoice::Server { param: true }),
                }
            }
            Origin::SelfField(_) => match reach.self_field(file, function, flow, u.origin) {
                Some((path, _)) => return Some(ValueChoice::Client(path.clone())),
                None => found = found.or(Some(ValueChoice::Server { param: false })),
            },
            Origin::Source(_) | Origin::Fallback(_) => {
                found = found.or(Some(ValueChoice::Server { param: false }))
            }
        }
    }
    found
}

/// Whether the client value at `span` in `function` reaches it only through lookups checked
/// by their result: it comes from such a parameter and from no unchecked input or parameter.
fn is_checked_value(
    file: &AnalyzedFile,
    reach: &ClientReach,
    function: FnId,
    span: crate::span::Span,
) -> bool {
    let Some(flow) = flow_of(file, function) else {
        return false;
    };
    let rel = &file.source.rel_path;
    let uses: Vec<_> = flow
        .uses
        .iter()
        .filter(|u| matches!(u.kind, SinkKind::SqlBind | SinkKind::SqlText) && u.span == span)
        .collect();
    let unchecked = uses.iter().any(|u| match u.origin {
        Origin::Source(_) => !flow.is_checked(u.origin),
        Origin::Param(_) | Origin::ParamField(_) => flow
            .param_of(u.origin)
            .is_some_and(|i| reach.unchecked_param(rel, function, i).is_some()),
        Origin::SelfField(_) => reach
            .self_field(file, function, flow, u.origin)
            .is_some_and(|(_, checked)| !checked),
        Origin::Fallback(_) => false,
    });
    !unchecked
        && uses.iter().any(|u| {
            flow.param_of(u.origin)
                .is_some_and(|i| reach.checked_param(rel, function, i).is_some())
                || reach
                    .self_field(file, function, flow, u.origin)
                    .is_some_and(|(_, checked)| checked)
        })
}

/// A client value the function handles: an unchecked request input it reads, or a parameter a
/// request path fills.
pub fn function_client_value(
    file: &AnalyzedFile,
    reach: &ClientReach,
    function: FnId,
) -> Option<ClientPath> {
    client_value(file, reach, function, true)
}

/// [`function_client_value`], counting parameters reached only through lookups checked by
/// their result when `checked_too`.
fn client_value(
    file: &AnalyzedFile,
    reach: &ClientReach,
    function: FnId,
    checked_too: bool,
) -> Option<ClientPath> {
    let flow = flow_of(file, function)?;
    let here = || vec![describe_fn(file, function)];
    if let Some(s) = (0..flow.sources.len() as u32)
        .map(Origin::Source)
        .find(|o| !flow.is_checked(*o))
        .and_then(|o| flow.source(o))
    {
        return Some(ClientPath {
            input: s.describe(),
            functions: here(),
        });
    }
    let arity = file.rust.as_ref()?.function(function).params.len() as u32;
    let rel = &file.source.rel_path;
    (0..arity).find_map(|i| {
        if checked_too {
            reach.param(rel, function, i).cloned()
        } else {
            reach.unchecked_param(rel, function, i).cloned()
        }
    })
}

fn flow_of(file: &AnalyzedFile, function: FnId) -> Option<&FnFlow> {
    file.request_flows.iter().find(|f| f.function == function)
}
