//! Client-controlled input inside a request handler, in the small form the storage-key rules
//! need: the handler inputs [`crate::http`] classifies (extractor parameters, rocket route
//! parameters, reads from the whole request such as actix `req.match_info().get(..)`) and
//! multipart `file_name()`, followed through local bindings and string building, with the
//! sanitisers that work. The one entry point is [`untrusted_parts`].

use crate::facts::workspace::Workspace;
use crate::http::{self, CarrierStep, InputKind, ParamRole};
use crate::ir::*;
use crate::keys::{is_tenant_ident, param_binding_ty, KeyIndex};
use crate::model::RustFile;
use crate::semantic::bindings::reaching_let_in;
use crate::semantic::macros::ReturningMacros;
use crate::span::Span;

const MAX_DEPTH: u32 = 6;

/// A client-controlled part of a key or path.
#[derive(Clone, Debug)]
pub struct Untrusted {
    pub span: Span,
    /// `\`name\` from the URL path`.
    pub what: String,
    /// A sanitiser that was applied but does not stop traversal (`replace("..", "")`).
    pub weak_sanitizer: Option<String>,
    /// The value had to name an existing entry (a database row, a map key) before it reached
    /// the path, or the function returned: the stored names are the allow-list. Rules decide
    /// whether that is enough (`lookup-validates`).
    pub checked_by_lookup: bool,
}

/// The checks a function applies to its values before they reach a path.
#[derive(Clone, Debug, Default)]
pub struct Checks {
    /// Names checked by a condition that returns early, `ensure!`, or a validating call `?`,
    /// with where the check ends: only a path built after that point is covered.
    pub validated: Vec<(String, u32)>,
    /// Names handed to a lookup whose `None` leaves the function, with where the check ends:
    /// only a use after that point is covered.
    pub looked_up: Vec<(String, u32)>,
    /// A `components()` check against `ParentDir`, or canonicalize then `starts_with`.
    pub whole_function: bool,
}

impl Checks {
    pub fn validates_before(&self, name: &str, offset: u32) -> bool {
        self.validated
            .iter()
            .any(|(n, end)| n == name && *end <= offset)
    }

    pub fn looked_up_before(&self, name: &str, offset: u32) -> bool {
        self.looked_up
            .iter()
            .any(|(n, end)| n == name && *end <= offset)
    }
}

/// How a finding names where the value was read.
fn describe(kind: InputKind) -> &'static str {
    match kind {
        InputKind::PathParam => "the URL path",
        InputKind::Query => "the query string",
        InputKind::Body => "the request body",
        InputKind::Header => "a request header",
        InputKind::Cookie => "a cookie",
        InputKind::Metadata => "gRPC metadata",
        InputKind::Request => "the request",
    }
}

/// Names pinned by equality guards, with where each guard ends.
#[derive(Default)]
struct Guards {
    /// Equal to a string literal.
    constant: Vec<(String, u32)>,
    /// Equal to another value the client did not send.
    stored: Vec<(String, u32)>,
}

struct Input {
    name: String,
    ty: Ty,
    source: InputKind,
}

struct Taint<'a> {
    file: &'a RustFile,
    function: &'a Function,
    index: &'a KeyIndex,
    ws: &'a Workspace,
    inputs: Vec<Input>,
    multipart: bool,
    checks: Checks,
    /// Where the path is used: checks count when they come before it.
    sink_at: u32,
}

/// The client-controlled parts of `key` in handler `f` that no working sanitiser checked.
pub fn untrusted_parts(file: &RustFile, f: FnId, key: ExprId, ws: &Workspace) -> Vec<Untrusted> {
    let function = file.function(f);
    let inputs = handler_inputs(file, function, ws);
    if inputs.is_empty() {
        return Vec::new();
    }
    let mut taint = Taint {
        file,
        function,
        index: &ws.keys,
        ws,
        multipart: function.params.iter().any(|p| http::is_multipart(&p.ty)),
        inputs,
        checks: checks(file, function, &ws.returning_macros),
        sink_at: file.expr(key).span.start,
    };
    if taint.checks.whole_function {
        return Vec::new();
    }
    let guards = taint.equality_guards();
    taint.checks.validated.extend(guards.constant);
    taint.checks.looked_up.extend(guards.stored);
    let mut out = Vec::new();
    taint.walk(key, 0, None, &mut out);
    out
}

/// The handler's client-controlled parameters, as [`http`] classifies them: extractor
/// carriers (`Path<T>`, `Query<T>`, `HttpRequest`...) and rocket route parameters.
fn handler_inputs(file: &RustFile, function: &Function, ws: &Workspace) -> Vec<Input> {
    let route_params = http::route_params(function);
    let mut inputs = Vec::new();
    for p in &function.params {
        let mut names = Vec::new();
        file.bindings(p.pat, &mut names);
        let source = match http::param_role(&p.ty, &ws.config) {
            Some(ParamRole::Carrier(kind)) => kind,
            Some(ParamRole::TypedHeader(_)) => InputKind::Header,
            Some(ParamRole::Trusted) => continue,
            None => {
                // `#[get("/files/<name>")] fn f(name: &str)`: the parameter is the segment.
                for (name, _) in names {
                    if route_params.contains(&name) && http::is_raw_route_param(&p.ty) {
                        let ty = p.ty.clone();
                        let source = InputKind::PathParam;
                        inputs.push(Input { name, ty, source });
                    }
                }
                continue;
            }
        };
        // `path: web::Path<T>` binds the extractor; its value is the `T` inside.
        let plain = matches!(file.pat(p.pat).kind, PatKind::Ident { .. });
        for (name, _) in names {
            let ty = match p.ty.args().first() {
                Some(inner) if plain => inner.clone(),
                _ => param_binding_ty(file, p.pat, &p.ty, &name).unwrap_or_else(|| p.ty.clone()),
            };
            inputs.push(Input { name, ty, source });
        }
    }
    inputs
}

impl Taint<'_> {
    /// A client-controlled binding. The tenant id itself is left out: access control checks it
    /// against the caller's tenants (`tenant-from-request` reports when nothing does).
    fn input(&self, name: &str) -> Option<&Input> {
        self.inputs
            .iter()
            .find(|i| i.name == name && !is_tenant_ident(self.ws, name))
    }

    fn push(&self, span: Span, what: String, weak: &Option<String>, out: &mut Vec<Untrusted>) {
        out.push(Untrusted {
            span,
            what,
            weak_sanitizer: weak.clone(),
            checked_by_lookup: false,
        });
    }

    fn walk(&self, id: ExprId, depth: u32, weak: Option<String>, out: &mut Vec<Untrusted>) {
        if depth > MAX_DEPTH {
            return;
        }
        let file = self.file;
        let id = file.strip(id);
        let expr = file.expr(id);
        match &expr.kind {
            ExprKind::Path(p) if p.segments.len() == 1 => {
                self.name(p.last(), expr.span, depth, weak, out)
            }
            ExprKind::Field { base, member } => {
                if member.name.chars().all(|c| c.is_ascii_digit()) {
                    return self.walk(*base, depth + 1, weak, out);
                }
                if self.checks.validates_before(&member.name, self.sink_at) {
                    return;
                }
                let Some(base_name) = file.as_ident(*base) else {
                    return self.walk(*base, depth + 1, weak, out);
                };
                match self.input(base_name) {
                    // `parts.uri`, `parts.headers`: only the members that hold client data.
                    Some(input)
                        if input.source == InputKind::Request
                            && http::carrier_step(input.source, &member.name).is_none() => {}
                    Some(input) => {
                        let field_ty = self
                            .index
                            .struct_fields
                            .get(input.ty.name())
                            .and_then(|fs| fs.iter().find(|(n, _)| *n == member.name))
                            .map(|(_, t)| t);
                        if field_ty.is_none_or(can_hold_path) {
                            self.push(
                                expr.span,
                                format!(
                                    "`{base_name}.{}` from {}",
                                    member.name,
                                    describe(input.source)
                                ),
                                &weak,
                                out,
                            );
                        }
                    }
                    None => self.walk(*base, depth + 1, weak, out),
                }
            }
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } => match method.name.as_str() {
                "file_name" | "file_stem" => {
                    // `Path::new(&name).file_name()` keeps the last component only: the sanitiser.
                    if self.multipart && !self.is_path_built(*receiver) {
                        self.push(expr.span, "the multipart file name".into(), &weak, out);
                    }
                }
                "parse" | "len" | "is_empty" | "extension" => {}
                _ if self.request_root(*receiver).is_some() => {
                    match self.request_read(id) {
                        Some((what, kind)) => {
                            let what = format!("{what} from {}", describe(kind));
                            self.push(expr.span, what, &weak, out);
                        }
                        // `.unwrap_or(..)` on a read, or a member that reads nothing the client
                        // sent (`req.app_data()`): the receiver decides.
                        None => {
                            self.walk(*receiver, depth + 1, weak.clone(), out);
                            for a in args {
                                self.walk(*a, depth + 1, weak.clone(), out);
                            }
                        }
                    }
                }
                "replace" | "replacen" | "trim_start_matches" | "trim_matches" | "strip_prefix"
                | "trim_start" | "trim" | "trim_left_matches" => {
                    let weak = weak.or_else(|| Some(format!("`{}`", method.name)));
                    self.walk(*receiver, depth + 1, weak, out)
                }
                _ => {
                    self.walk(*receiver, depth + 1, weak.clone(), out);
                    for a in args {
                        self.walk(*a, depth + 1, weak.clone(), out);
                    }
                }
            },
            ExprKind::Call { func, args } => {
                let ExprKind::Path(p) = &file.expr(*func).kind else {
                    return;
                };
                let owner = p.segments.iter().rev().nth(1).map(String::as_str);
                let passes = matches!(owner, Some("Path" | "PathBuf" | "String" | "OsStr"))
                    && matches!(p.last(), "new" | "from")
                    || p.is_ident("Some");
                if passes {
                    for a in args {
                        self.walk(*a, depth + 1, weak.clone(), out);
                    }
                }
            }
            ExprKind::Macro(m) if matches!(m.path.last(), "format" | "concat") => {
                let MacroArgs::List(args) = &m.args else {
                    return;
                };
                for a in args {
                    self.walk(a.expr, depth + 1, weak.clone(), out);
                }
                if let Some(lit) = args.first().and_then(|a| file.str_lit(a.expr)) {
                    for name in crate::keys::inline_format_names(&lit.value) {
                        self.name(&name, expr.span, depth, weak.clone(), out);
                    }
                }
            }
            ExprKind::Binary {
                op: BinOp::Add,
                lhs,
                rhs,
            } => {
                self.walk(*lhs, depth + 1, weak.clone(), out);
                self.walk(*rhs, depth + 1, weak, out);
            }
            ExprKind::Tuple(items) | ExprKind::Array(items) => {
                for i in items {
                    self.walk(*i, depth + 1, weak.clone(), out);
                }
            }
            _ => {}
        }
    }

    fn name(
        &self,
        name: &str,
        span: Span,
        depth: u32,
        weak: Option<String>,
        out: &mut Vec<Untrusted>,
    ) {
        if self.checks.validates_before(name, self.sink_at) {
            return;
        }
        if let Some(init) = reaching_let_in(self.file, self.function, name, span.start) {
            return self.walk(init, depth + 1, weak, out);
        }
        let Some(input) = self.input(name) else {
            return;
        };
        // The upload stream and the whole request are not path strings; their parts are.
        if http::is_multipart(&input.ty)
            || input.source == InputKind::Request
            || !can_hold_path(&input.ty)
        {
            return;
        }
        out.push(Untrusted {
            span,
            what: format!("`{name}` from {}", describe(input.source)),
            weak_sanitizer: weak,
            checked_by_lookup: self.checks.looked_up_before(name, span.start),
        });
    }

    /// The names a comparison with a value the client did not send pins on every path to the
    /// sink (that value is the allow-list of one): an `if` before the sink, in a block that
    /// holds it, that always leaves when `name != value` (alone or as one operand of `||`), or
    /// an `if name == value` (alone or as one operand of `&&`) whose branch holds the sink.
    /// Those equal to a literal are validated; those equal to anything else the server holds
    /// (a stored record's field) are checked like a lookup, since clients may have chosen the
    /// stored value earlier.
    fn equality_guards(&self) -> Guards {
        let file = self.file;
        let sink = Span {
            start: self.sink_at,
            end: self.sink_at,
        };
        let mut out = Guards::default();
        let statements = |block: &Block, out: &mut Guards| {
            if !block.span.contains(sink) {
                return;
            }
            for stmt in &block.stmts {
                let Stmt::Expr { expr, .. } = stmt else {
                    continue;
                };
                let e = file.expr(*expr);
                if let ExprKind::If {
                    cond,
                    then,
                    otherwise: None,
                } = &e.kind
                {
                    if e.span.end <= self.sink_at
                        && always_leaves(file, then, &self.ws.returning_macros)
                    {
                        self.pinned(*cond, BinOp::Or, BinOp::Ne, e.span.end, out);
                    }
                }
            }
        };
        statements(&self.function.body, &mut out);
        file.walk_block(&self.function.body, &mut |id| match &file.expr(id).kind {
            ExprKind::Block(b) | ExprKind::Loop { body: b, .. } => statements(b, &mut out),
            ExprKind::Macro(MacroCall {
                args: MacroArgs::Stmts(b),
                ..
            }) => statements(b, &mut out),
            ExprKind::If { cond, then, .. } => {
                statements(then, &mut out);
                if then.span.contains(sink) {
                    self.pinned(*cond, BinOp::And, BinOp::Eq, then.span.start, &mut out);
                }
            }
            _ => {}
        });
        out
    }

    /// Records the names `cond` compares with `cmp` against a server-side value, in an operand
    /// of a chain of `join` (every operand of an `||` that leaves is false past it; every
    /// operand of an `&&` is true in its branch).
    fn pinned(&self, cond: ExprId, join: BinOp, cmp: BinOp, end: u32, out: &mut Guards) {
        let file = self.file;
        let ExprKind::Binary { op, lhs, rhs } = &file.expr(cond).kind else {
            return;
        };
        if *op == join {
            self.pinned(*lhs, join, cmp, end, out);
            self.pinned(*rhs, join, cmp, end, out);
            return;
        }
        if *op != cmp {
            return;
        }
        for (side, other) in [(*lhs, *rhs), (*rhs, *lhs)] {
            let name = match &file.expr(file.strip(side)).kind {
                ExprKind::Path(p) if p.segments.len() == 1 => p.last().to_string(),
                ExprKind::Field { member, .. } => member.name.clone(),
                _ => continue,
            };
            if file.static_str(other).is_some() {
                out.constant.push((name, end));
            } else if self.is_server_value(other) {
                out.stored.push((name, end));
            }
        }
    }

    /// Whether nothing the client sent reaches `id`: no handler input is named in it or in the
    /// initializers of the bindings it names, and following its bindings finds no
    /// client-controlled part.
    fn is_server_value(&self, id: ExprId) -> bool {
        let mut lookups = Vec::new();
        let_elses(
            self.file,
            &self.function.body,
            &mut |pat, _, otherwise, span| {
                if is_some_pat(self.file, pat)
                    && diverges(self.file, otherwise, &self.ws.returning_macros)
                {
                    lookups.push(span);
                }
            },
        );
        if self.reaches_input(id, 0, &lookups) {
            return false;
        }
        let mut parts = Vec::new();
        self.walk(id, 0, None, &mut parts);
        parts.is_empty()
    }

    /// Whether a handler input is named in `id`, or in the initializer of a `let` (plain or
    /// destructuring) binding a name it uses, except a lookup that must find a stored record
    /// (`let Some(row) = find(&id) else { return }`, `find(&id).ok_or(..)?`): that gives the
    /// record, not the key. Past the depth limit, assumed to.
    fn reaches_input(&self, id: ExprId, depth: u32, lookups: &[Span]) -> bool {
        if depth > MAX_DEPTH {
            return true;
        }
        let file = self.file;
        let mut found = false;
        file.walk_expr(id, &mut |e| {
            let ExprKind::Path(p) = &file.expr(e).kind else {
                return;
            };
            if found || p.segments.len() != 1 {
                return;
            }
            let name = p.last();
            if self.inputs.iter().any(|i| i.name == name) {
                found = true;
                return;
            }
            let at = file.expr(e).span.start;
            let site = self.function.lets.lets.iter().rev().find(|l| {
                let mut names = Vec::new();
                file.bindings(l.pat, &mut names);
                l.span.end <= at && names.iter().any(|(n, _)| n == name)
            });
            let Some(site) = site else { return };
            if lookups.contains(&site.span) {
                return;
            }
            if let Some(init) = site.init.filter(|i| !is_ok_or_lookup(file, *i)) {
                found = self.reaches_input(init, depth + 1, lookups);
            }
        });
        found
    }

    /// The whole-request input a method chain starts from (`req` in `req.match_info().get(..)`).
    fn request_root(&self, id: ExprId) -> Option<&Input> {
        let file = self.file;
        match &file.expr(file.strip(id)).kind {
            ExprKind::MethodCall { receiver, .. } => self.request_root(*receiver),
            ExprKind::Field { base, .. } => self.request_root(*base),
            ExprKind::Path(p) if p.segments.len() == 1 => self
                .input(p.last())
                .filter(|i| i.source == InputKind::Request),
            _ => None,
        }
    }

    /// What a method chain on the whole request reads, following [`http::carrier_step`]:
    /// `req.match_info().get("file")` is the path parameter `file`; `req.app_data()` reads
    /// nothing the client sent.
    fn request_read(&self, id: ExprId) -> Option<(String, InputKind)> {
        let file = self.file;
        let (base, member, first_arg) = match &file.expr(file.strip(id)).kind {
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } => (*receiver, method.name.as_str(), args.first()),
            ExprKind::Field { base, member } => (*base, member.name.as_str(), None),
            ExprKind::Path(p) if p.segments.len() == 1 => {
                let input = self.input(p.last())?;
                return Some((format!("`{}`", input.name), input.source));
            }
            _ => return None,
        };
        let (what, kind) = self.request_read(base)?;
        match http::carrier_step(kind, member)? {
            CarrierStep::Carrier(next) => Some((what, next)),
            CarrierStep::Lookup(next) => {
                let entry = first_arg
                    .and_then(|a| file.str_lit(*a))
                    .map_or(what, |lit| format!("`{}`", lit.value));
                Some((entry, next))
            }
        }
    }

    fn is_path_built(&self, id: ExprId) -> bool {
        match &self.file.expr(self.file.strip(id)).kind {
            ExprKind::Call { func, .. } => matches!(
                &self.file.expr(*func).kind,
                ExprKind::Path(p) if matches!(p.segments.iter().rev().nth(1).map(String::as_str), Some("Path" | "PathBuf"))
            ),
            _ => false,
        }
    }
}

/// Records the checks of a function that work: a `components()` check against `ParentDir`,
/// canonicalize-then-`starts_with`, validation that returns early, and lookups that must find
/// the value.
pub fn checks(file: &RustFile, function: &Function, macros: &ReturningMacros) -> Checks {
    let mut components = false;
    let mut parent_dir = false;
    let mut canonicalize = false;
    let mut starts_with = false;
    let mut out = Checks::default();
    file.walk_block(&function.body, &mut |id| match &file.expr(id).kind {
        ExprKind::MethodCall { method, .. } => match method.name.as_str() {
            "components" => components = true,
            "canonicalize" => canonicalize = true,
            "starts_with" => starts_with = true,
            _ => {}
        },
        ExprKind::Call { func, .. } => {
            if let ExprKind::Path(p) = &file.expr(*func).kind {
                canonicalize |= p.last() == "canonicalize";
            }
        }
        ExprKind::Path(p) => parent_dir |= p.last() == "ParentDir",
        ExprKind::If {
            cond,
            then,
            otherwise: None,
        } if diverges(file, then, macros) && is_validation(file, *cond) => {
            names_in(file, *cond, file.expr(id).span.end, &mut out.validated)
        }
        ExprKind::Macro(m) if matches!(m.path.last(), "ensure" | "assert") => {
            if let MacroArgs::List(args) = &m.args {
                if let Some(first) = args.first() {
                    names_in(file, first.expr, file.expr(id).span.end, &mut out.validated);
                }
            }
        }
        // `validate_name(&name)?;`, `Uuid::parse_str(&id)?`: a failed check returns early.
        ExprKind::Try(inner) if is_validating_call(file, *inner) => {
            names_in(file, *inner, file.expr(id).span.end, &mut out.validated)
        }
        // `match db.find(&id).await { Some(row) => row, None => return .. }`
        ExprKind::Match { scrutinee, arms }
            if arms
                .iter()
                .any(|a| is_none_pat(file, a.pat) && diverges_expr(file, a.body, macros)) =>
        {
            lookup_args(file, *scrutinee, file.expr(id).span.end, &mut out.looked_up)
        }
        // `db.find(&id).await.ok_or(NotFound)?`
        ExprKind::Try(inner) => {
            if let ExprKind::MethodCall {
                receiver, method, ..
            } = &file.expr(file.strip(*inner)).kind
            {
                if matches!(method.name.as_str(), "ok_or" | "ok_or_else") {
                    lookup_args(file, *receiver, file.expr(id).span.end, &mut out.looked_up)
                }
            }
        }
        _ => {}
    });
    // `let Some(row) = db.find(&id).await else { return .. };`
    let_elses(file, &function.body, &mut |pat, init, otherwise, span| {
        if is_some_pat(file, pat) && diverges(file, otherwise, macros) {
            lookup_args(file, init, span.end, &mut out.looked_up);
        }
    });
    out.whole_function = components && parent_dir || canonicalize && starts_with;
    out
}

/// The plain names handed as arguments (not as the receiver: `name.strip_prefix("/")` checks
/// nothing) to the call a lookup expression makes.
fn lookup_args(file: &RustFile, id: ExprId, end: u32, out: &mut Vec<(String, u32)>) {
    let args = match &file.expr(file.strip(id)).kind {
        ExprKind::Call { args, .. } | ExprKind::MethodCall { args, .. } => args,
        _ => return,
    };
    for a in args {
        if let Some(name) = file.as_ident(file.strip(*a)) {
            out.push((name.to_string(), end));
        }
    }
}

/// `find(&id).await.ok_or(NotFound)?`: a lookup that leaves when nothing is found.
fn is_ok_or_lookup(file: &RustFile, id: ExprId) -> bool {
    let ExprKind::Try(inner) = &file.expr(id).kind else {
        return false;
    };
    matches!(&file.expr(file.strip(*inner)).kind,
        ExprKind::MethodCall { method, .. } if matches!(method.name.as_str(), "ok_or" | "ok_or_else"))
}

fn is_none_pat(file: &RustFile, pat: PatId) -> bool {
    match &file.pat(pat).kind {
        PatKind::Ident { name, sub: None } => name == "None",
        PatKind::Path(p) => p.is_ident("None"),
        _ => false,
    }
}

fn is_some_pat(file: &RustFile, pat: PatId) -> bool {
    matches!(&file.pat(pat).kind, PatKind::TupleStruct { path, .. } if path.is_ident("Some"))
}

/// Calls `f(pattern, initializer, else block, let span)` for every `let .. else` of a block,
/// nested blocks included.
fn let_elses(file: &RustFile, block: &Block, f: &mut dyn FnMut(PatId, ExprId, &Block, Span)) {
    fn stmts(block: &Block, f: &mut dyn FnMut(PatId, ExprId, &Block, Span)) {
        for stmt in &block.stmts {
            if let Stmt::Let {
                pat,
                init: Some(init),
                otherwise: Some(otherwise),
                span,
                ..
            } = stmt
            {
                f(*pat, *init, otherwise, *span);
            }
        }
    }
    stmts(block, f);
    file.walk_block(block, &mut |id| match &file.expr(id).kind {
        ExprKind::Block(b) | ExprKind::If { then: b, .. } | ExprKind::Loop { body: b, .. } => {
            stmts(b, f)
        }
        ExprKind::Macro(MacroCall {
            args: MacroArgs::Stmts(b),
            ..
        }) => stmts(b, f),
        _ => {}
    });
}

/// Whether a value of this type can carry `../` or `/`: strings, paths, and types we cannot see.
fn can_hold_path(ty: &Ty) -> bool {
    match ty {
        Ty::Ref(t) => can_hold_path(t),
        Ty::Tuple(ts) => ts.iter().any(can_hold_path),
        Ty::Path(p) if matches!(p.last(), "Option" | "Vec" | "Box") => {
            p.generics.first().is_none_or(can_hold_path)
        }
        Ty::Path(p) => {
            !(ty.is_scalar()
                || matches!(
                    p.last(),
                    "Uuid" | "Ulid" | "NaiveDate" | "DateTime" | "ObjectId"
                ))
        }
        _ => true,
    }
}

/// Whether every path through a block leaves the function (or the loop): its last statement
/// leaves, or is an `if`/`else` whose branches all do.
fn always_leaves(file: &RustFile, block: &Block, macros: &ReturningMacros) -> bool {
    let Some(Stmt::Expr { expr, .. }) = block.stmts.last() else {
        return false;
    };
    always_leaves_expr(file, *expr, macros)
}

fn always_leaves_expr(file: &RustFile, id: ExprId, macros: &ReturningMacros) -> bool {
    match &file.expr(id).kind {
        ExprKind::Block(b) => always_leaves(file, b, macros),
        ExprKind::If {
            then,
            otherwise: Some(otherwise),
            ..
        } => always_leaves(file, then, macros) && always_leaves_expr(file, *otherwise, macros),
        _ => leaves(file, id, macros),
    }
}

/// Whether a block leaves the function (or the loop) before falling through.
fn diverges(file: &RustFile, block: &Block, macros: &ReturningMacros) -> bool {
    let mut found = false;
    file.walk_block(block, &mut |id| found |= leaves(file, id, macros));
    found
}

fn diverges_expr(file: &RustFile, root: ExprId, macros: &ReturningMacros) -> bool {
    let mut found = false;
    file.walk_expr(root, &mut |id| found |= leaves(file, id, macros));
    found
}

/// `return`, `break`, `continue`, a diverging std macro, or a workspace `macro_rules!` whose
/// rules return.
fn leaves(file: &RustFile, id: ExprId, macros: &ReturningMacros) -> bool {
    match &file.expr(id).kind {
        ExprKind::Return(_) | ExprKind::Continue | ExprKind::Break(_) => true,
        ExprKind::Macro(m) => {
            matches!(
                m.path.last(),
                "bail" | "panic" | "unreachable" | "abort" | "todo"
            ) || macros.contains(m.path.last())
        }
        _ => false,
    }
}

/// A condition that checks content, not just presence (`is_empty()`, or whether a file
/// exists, does not sanitise).
fn is_validation(file: &RustFile, cond: ExprId) -> bool {
    let mut checks = false;
    file.walk_expr(cond, &mut |id| match &file.expr(id).kind {
        ExprKind::MethodCall { method, .. } => checks |= !is_presence_check(&method.name),
        ExprKind::Call { func, .. } => {
            checks |=
                !matches!(&file.expr(*func).kind, ExprKind::Path(p) if is_presence_check(p.last()))
        }
        ExprKind::Macro(_) => checks = true,
        _ => {}
    });
    checks
}

/// Calls that ask whether something is there, not what it is.
fn is_presence_check(name: &str) -> bool {
    matches!(
        name,
        "is_empty"
            | "len"
            | "is_some"
            | "is_none"
            | "is_ok"
            | "is_err"
            | "exists"
            | "try_exists"
            | "is_file"
            | "is_dir"
            | "metadata"
            | "symlink_metadata"
    )
}

/// A call whose name says it checks its argument (`validate_*`, `parse*`, `check_*`...).
fn is_validating_call(file: &RustFile, id: ExprId) -> bool {
    let name = match &file.expr(file.strip(id)).kind {
        ExprKind::Call { func, .. } => match &file.expr(*func).kind {
            ExprKind::Path(p) => p.last().to_string(),
            _ => return false,
        },
        ExprKind::MethodCall { method, .. } => method.name.clone(),
        _ => return false,
    };
    ["valid", "parse", "check", "sanitiz", "verify", "ensure"]
        .iter()
        .any(|w| name.contains(w))
}

/// Every plain name and field name a condition mentions, checked by the time `end` is reached.
fn names_in(file: &RustFile, id: ExprId, end: u32, out: &mut Vec<(String, u32)>) {
    file.walk_expr(id, &mut |e| match &file.expr(e).kind {
        ExprKind::Path(p) if p.segments.len() == 1 => out.push((p.last().to_string(), end)),
        ExprKind::Field { member, .. } => out.push((member.name.clone(), end)),
        _ => {}
    });
}
