//! Client-controlled input inside a request handler, in the small form the storage-key rules
//! need: handler parameters with extractor types (axum and actix `Path`, `Query`, `Json`,
//! `Form`, `HeaderMap`, `Multipart`) and multipart `file_name()`, followed through local
//! bindings and string building, with the sanitisers that work. Written to be replaced by the
//! shared request-source facts: the one entry point is [`untrusted_parts`].

use crate::engine::Workspace;
use crate::ir::*;
use crate::keys::{binding_init, is_tenant_ident, param_binding_ty, KeyIndex};
use crate::model::RustFile;
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
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    UrlPath,
    Query,
    Body,
    Header,
    Multipart,
}

impl Source {
    fn describe(self) -> &'static str {
        match self {
            Source::UrlPath => "the URL path",
            Source::Query => "the query string",
            Source::Body => "the request body",
            Source::Header => "a request header",
            Source::Multipart => "a multipart upload",
        }
    }

    fn of_param(ty: &Ty) -> Option<Source> {
        let p = ty.path()?;
        let typed = !p.generics.is_empty();
        match p.last() {
            "Path" if typed => Some(Source::UrlPath),
            "Query" if typed => Some(Source::Query),
            "Json" | "Form" if typed => Some(Source::Body),
            "HeaderMap" | "TypedHeader" => Some(Source::Header),
            "Multipart" => Some(Source::Multipart),
            _ => None,
        }
    }
}

struct Input {
    name: String,
    ty: Ty,
    source: Source,
}

struct Taint<'a> {
    file: &'a RustFile,
    function: &'a Function,
    index: &'a KeyIndex,
    ws: &'a Workspace,
    inputs: Vec<Input>,
    multipart: bool,
    /// Names checked by a condition that returns early, `ensure!`, or a whole-function check.
    validated: Vec<String>,
    whole_function_checked: bool,
}

/// The client-controlled parts of `key` in handler `f` that no working sanitiser checked.
pub fn untrusted_parts(file: &RustFile, f: FnId, key: ExprId, ws: &Workspace) -> Vec<Untrusted> {
    let function = file.function(f);
    let mut inputs = Vec::new();
    for p in &function.params {
        let Some(source) = Source::of_param(&p.ty) else {
            continue;
        };
        let mut names = Vec::new();
        file.bindings(p.pat, &mut names);
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
    if inputs.is_empty() {
        return Vec::new();
    }
    let mut taint = Taint {
        file,
        function,
        index: &ws.keys,
        ws,
        multipart: inputs.iter().any(|i| i.source == Source::Multipart),
        inputs,
        validated: Vec::new(),
        whole_function_checked: false,
    };
    taint.find_checks();
    if taint.whole_function_checked {
        return Vec::new();
    }
    let mut out = Vec::new();
    taint.walk(key, 0, None, &mut out);
    out
}

impl Taint<'_> {
    /// Records the checks that work: a `components()` check against `ParentDir`,
    /// canonicalize-then-`starts_with`, and validation that returns early.
    fn find_checks(&mut self) {
        let file = self.file;
        let mut components = false;
        let mut parent_dir = false;
        let mut canonicalize = false;
        let mut starts_with = false;
        let mut validated = Vec::new();
        file.walk_block(&self.function.body, &mut |id| match &file.expr(id).kind {
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
            } if diverges(file, then) && is_validation(file, *cond) => {
                names_in(file, *cond, &mut validated)
            }
            ExprKind::Macro(m) if matches!(m.path.last(), "ensure" | "assert") => {
                if let MacroArgs::List(args) = &m.args {
                    if let Some(first) = args.first() {
                        names_in(file, first.expr, &mut validated);
                    }
                }
            }
            // `validate_name(&name)?;`, `Uuid::parse_str(&id)?`: a failed check returns early.
            ExprKind::Try(inner) if is_validating_call(file, *inner) => {
                names_in(file, *inner, &mut validated)
            }
            _ => {}
        });
        self.whole_function_checked = components && parent_dir || canonicalize && starts_with;
        self.validated = validated;
    }

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
                if self.validated.contains(&member.name) {
                    return;
                }
                let Some(base_name) = file.as_ident(*base) else {
                    return self.walk(*base, depth + 1, weak, out);
                };
                match self.input(base_name) {
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
                                    input.source.describe()
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
        if self.validated.iter().any(|v| v == name) {
            return;
        }
        if let Some(init) = binding_init(self.file, self.function, name, span.start) {
            return self.walk(init, depth + 1, weak, out);
        }
        let Some(input) = self.input(name) else {
            return;
        };
        if input.source == Source::Multipart || !can_hold_path(&input.ty) {
            return;
        }
        self.push(
            span,
            format!("`{name}` from {}", input.source.describe()),
            &weak,
            out,
        );
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

/// Whether a block leaves the function (or the loop) before falling through.
fn diverges(file: &RustFile, block: &Block) -> bool {
    let mut found = false;
    file.walk_block(block, &mut |id| match &file.expr(id).kind {
        ExprKind::Return(_) | ExprKind::Continue | ExprKind::Break(_) => found = true,
        ExprKind::Macro(m) => {
            found |= matches!(m.path.last(), "bail" | "panic" | "unreachable" | "abort")
        }
        _ => {}
    });
    found
}

/// A condition that checks content, not just presence (`is_empty()` does not sanitise).
fn is_validation(file: &RustFile, cond: ExprId) -> bool {
    let mut checks = false;
    file.walk_expr(cond, &mut |id| match &file.expr(id).kind {
        ExprKind::MethodCall { method, .. } => {
            checks |= !matches!(
                method.name.as_str(),
                "is_empty" | "len" | "is_some" | "is_none"
            )
        }
        ExprKind::Call { .. } | ExprKind::Macro(_) => checks = true,
        _ => {}
    });
    checks
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

/// Every plain name and field name a condition mentions.
fn names_in(file: &RustFile, id: ExprId, out: &mut Vec<String>) {
    file.walk_expr(id, &mut |e| match &file.expr(e).kind {
        ExprKind::Path(p) if p.segments.len() == 1 => out.push(p.last().to_string()),
        ExprKind::Field { member, .. } => out.push(member.name.clone()),
        _ => {}
    });
}
