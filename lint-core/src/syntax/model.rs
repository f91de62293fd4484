//! The per-file model every rule reads: the lowered items and expression arenas of a Rust file,
//! plus flat indexes built in the same pass (every call and macro, in source order).

use crate::ir::*;
use crate::span::Span;
use std::collections::HashMap;

/// Called with a `let`'s pattern, declared type, initializer and span.
type LetVisitor<'a> = dyn FnMut(PatId, Option<&Ty>, Option<ExprId>, Span) + 'a;

#[derive(Debug, Default)]
pub struct RustFile {
    pub exprs: Vec<Expr>,
    pub pats: Vec<Pat>,
    pub functions: Vec<Function>,
    pub consts: Vec<ConstItem>,
    pub structs: Vec<StructDef>,
    /// Enums with their variants' attributes (sea-orm's `Relation` enum).
    pub enums: Vec<EnumDef>,
    pub impls: Vec<ImplBlock>,
    /// Inline modules, outer ones before the modules they contain.
    pub modules: Vec<ModuleDef>,
    pub item_macros: Vec<ItemMacro>,
    pub uses: Vec<UseItem>,
    /// Every call, method call and macro invocation with the function that contains it,
    /// in source order.
    pub calls: Vec<(ExprId, Option<FnId>)>,
    /// The `#[path = ".."]` of each out-of-line `mod` declaration: files rustc compiles from
    /// here, wherever they are.
    pub module_paths: Vec<String>,
    /// The work spent analysing the file: the engine shares its `SourceFile`'s meter here, so
    /// what reads only the model counts on the same file.
    pub work: std::sync::Arc<crate::syntax::work::Work>,
    /// Per function, whether it is test code: filled on first use by `semantic::test_code`.
    pub test_functions: std::sync::OnceLock<Vec<bool>>,
}

impl RustFile {
    /// Gives back the room the arenas grew into while lowering: a lowered file is read-only from
    /// here on and lives until the run ends, and doubling growth leaves up to half of it unused.
    pub(crate) fn release_slack(&mut self) {
        self.exprs.shrink_to_fit();
        self.pats.shrink_to_fit();
        self.functions.shrink_to_fit();
        self.calls.shrink_to_fit();
    }

    /// The inline modules (`mod v1 { .. }`) whose block holds `span`.
    pub fn modules_around(&self, span: Span) -> impl Iterator<Item = &ModuleDef> {
        self.modules.iter().filter(move |m| m.span.contains(span))
    }

    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.0 as usize]
    }

    pub fn pat(&self, id: PatId) -> &Pat {
        &self.pats[id.0 as usize]
    }

    pub fn function(&self, id: FnId) -> &Function {
        &self.functions[id.0 as usize]
    }

    /// Whether a parameter is the method's `self`.
    pub fn is_self_param(&self, p: &Param) -> bool {
        matches!(&self.pat(p.pat).kind, PatKind::Ident { name, .. } if name == "self")
    }

    /// Whether a function is a method: its first parameter is `self`.
    pub fn has_self(&self, f: &Function) -> bool {
        f.params.first().is_some_and(|p| self.is_self_param(p))
    }

    pub fn function_ids(&self) -> impl Iterator<Item = FnId> {
        (0..self.functions.len() as u32).map(FnId)
    }

    /// Fills each function's [`Function::lets`] once every function is lowered.
    pub(crate) fn index_lets(&mut self) {
        let index: Vec<LetIndex> = self
            .functions
            .iter()
            .map(|f| {
                let mut lets = Vec::new();
                self.visit_let_sites(&f.body, &mut |pat, ty, init, span| {
                    lets.push(LetSite {
                        pat,
                        ty: ty.cloned(),
                        init,
                        span,
                    })
                });
                LetIndex {
                    by_name: self.lets_by_name(&lets),
                    lets,
                    rebinds: self.rebinds(&f.body),
                }
            })
            .collect();
        for (f, lets) in self.functions.iter_mut().zip(index) {
            f.lets = lets;
        }
    }

    fn lets_by_name(&self, lets: &[LetSite]) -> HashMap<String, [NamedLets; 2]> {
        let mut by_name: HashMap<String, [NamedLets; 2]> = HashMap::new();
        for (position, l) in lets.iter().enumerate() {
            if let PatKind::Ident { name, .. } = &self.pat(l.pat).kind {
                let [all, typed] = by_name.entry(name.clone()).or_default();
                all.push(position as u32, lets);
                if l.ty.is_some() {
                    typed.push(position as u32, lets);
                }
            }
        }
        by_name
    }

    fn rebinds(&self, body: &Block) -> Vec<(Span, PatId)> {
        let mut out = Vec::new();
        self.walk_block(body, &mut |id| match &self.expr(id).kind {
            ExprKind::Closure { params, body } => {
                let scope = self.expr(*body).span;
                out.extend(params.iter().map(|p| (scope, *p)));
            }
            ExprKind::Loop {
                pat: Some(pat),
                body,
                ..
            } => out.push((body.span, *pat)),
            ExprKind::Match { arms, .. } => {
                out.extend(arms.iter().map(|a| (self.expr(a.body).span, a.pat)));
            }
            ExprKind::If { cond, then, .. } => self.walk_expr(*cond, &mut |c| {
                if let ExprKind::Let { pat, .. } = &self.expr(c).kind {
                    out.push((then.span, *pat));
                }
            }),
            _ => {}
        });
        out
    }

    /// Calls `f(pattern, initializer, let span)` for every `let` in a block, nested blocks
    /// included, in source order.
    pub fn visit_lets(&self, block: &Block, f: &mut dyn FnMut(PatId, Option<ExprId>, Span)) {
        self.visit_let_sites(block, &mut |pat, _, init, span| f(pat, init, span))
    }

    /// [`Self::visit_lets`] with each `let`'s declared type.
    fn visit_let_sites(&self, block: &Block, f: &mut LetVisitor<'_>) {
        for stmt in &block.stmts {
            match stmt {
                Stmt::Let {
                    pat,
                    ty,
                    init,
                    otherwise,
                    span,
                } => {
                    if let Some(init) = init {
                        self.visit_nested_lets(*init, f);
                    }
                    f(*pat, ty.as_ref(), *init, *span);
                    if let Some(o) = otherwise {
                        self.visit_let_sites(o, f);
                    }
                }
                Stmt::Expr { expr, .. } => self.visit_nested_lets(*expr, f),
                Stmt::Item => {}
            }
        }
    }

    fn visit_nested_lets(&self, root: ExprId, f: &mut LetVisitor<'_>) {
        self.walk_expr(root, &mut |id| {
            let block = match &self.expr(id).kind {
                ExprKind::Block(b)
                | ExprKind::If { then: b, .. }
                | ExprKind::Loop { body: b, .. }
                | ExprKind::Macro(MacroCall {
                    args: MacroArgs::Stmts(b),
                    ..
                }) => b,
                _ => return,
            };
            for stmt in &block.stmts {
                if let Stmt::Let {
                    pat,
                    ty,
                    init,
                    span,
                    ..
                } = stmt
                {
                    f(*pat, ty.as_ref(), *init, *span);
                }
            }
        });
    }

    /// Looks through `&`, `( )`, `.await`, `?`, `.clone()`-like wrappers that do not change a value.
    pub fn strip(&self, mut id: ExprId) -> ExprId {
        loop {
            match &self.expr(id).kind {
                ExprKind::Ref(inner) | ExprKind::Await(inner) | ExprKind::Try(inner) => id = *inner,
                ExprKind::Unary {
                    op: UnOp::Deref,
                    expr,
                } => id = *expr,
                ExprKind::MethodCall {
                    receiver,
                    method,
                    args,
                    ..
                } if args.is_empty() && TRANSPARENT_METHODS.contains(&method.name.as_str()) => {
                    id = *receiver
                }
                _ => return id,
            }
        }
    }

    /// The decoded value of a string literal expression.
    pub fn str_lit(&self, id: ExprId) -> Option<&StrLit> {
        match &self.expr(self.strip(id)).kind {
            ExprKind::Lit(Lit::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The single identifier an expression names (`x` in `x`, `&x`, `x.clone()`).
    pub fn as_ident(&self, id: ExprId) -> Option<&str> {
        match &self.expr(self.strip(id)).kind {
            ExprKind::Path(p) if p.segments.len() == 1 => Some(&p.segments[0]),
            _ => None,
        }
    }

    /// Every name a pattern binds, with the binding's span.
    pub fn bindings(&self, pat: PatId, out: &mut Vec<(String, Span)>) {
        let p = self.pat(pat);
        match &p.kind {
            PatKind::Ident { name, sub } => {
                out.push((name.clone(), p.span));
                if let Some(sub) = sub {
                    self.bindings(*sub, out);
                }
            }
            PatKind::Tuple(elems) | PatKind::TupleStruct { elems, .. } | PatKind::Or(elems) => {
                for e in elems {
                    self.bindings(*e, out);
                }
            }
            PatKind::Struct { fields, .. } => {
                for (_, f) in fields {
                    self.bindings(*f, out);
                }
            }
            PatKind::Ref(inner) => self.bindings(*inner, out),
            PatKind::Lit(_) | PatKind::Path(_) | PatKind::Wild | PatKind::Rest | PatKind::Other => {
            }
        }
    }

    /// The function a byte offset falls in (the innermost one).
    pub fn function_at(&self, offset: u32) -> Option<FnId> {
        self.work.charge(self.functions.len() as u64);
        self.function_ids()
            .filter(|&f| {
                let s = self.function(f).span;
                s.start <= offset && offset < s.end
            })
            .min_by_key(|&f| self.function(f).span.len())
    }

    /// Calls each expression id reachable from `root`, parents before children.
    pub fn walk_expr(&self, root: ExprId, f: &mut dyn FnMut(ExprId)) {
        let mut stack = vec![root];
        let mut visited = 0;
        while let Some(id) = stack.pop() {
            f(id);
            visited += 1;
            let before = stack.len();
            self.children(id, &mut stack);
            stack[before..].reverse();
        }
        self.work.charge(visited);
    }

    /// Calls each expression id of a block, in source order, parents before children.
    pub fn walk_block(&self, block: &Block, f: &mut dyn FnMut(ExprId)) {
        for stmt in &block.stmts {
            match stmt {
                Stmt::Let {
                    init, otherwise, ..
                } => {
                    if let Some(init) = init {
                        self.walk_expr(*init, f);
                    }
                    if let Some(b) = otherwise {
                        self.walk_block(b, f);
                    }
                }
                Stmt::Expr { expr, .. } => self.walk_expr(*expr, f),
                Stmt::Item => {}
            }
        }
    }

    /// Pushes the direct sub-expressions of `id` (including those inside nested blocks'
    /// statements and macro arguments).
    pub fn children(&self, id: ExprId, out: &mut Vec<ExprId>) {
        fn block(b: &Block, out: &mut Vec<ExprId>) {
            for stmt in &b.stmts {
                match stmt {
                    Stmt::Let {
                        init, otherwise, ..
                    } => {
                        out.extend(init);
                        if let Some(o) = otherwise {
                            block(o, out);
                        }
                    }
                    Stmt::Expr { expr, .. } => out.push(*expr),
                    Stmt::Item => {}
                }
            }
        }
        match &self.expr(id).kind {
            ExprKind::Lit(_) | ExprKind::Path(_) | ExprKind::Continue | ExprKind::Other => {}
            ExprKind::Field { base, .. } => out.push(*base),
            ExprKind::Index { base, index } => out.extend([*base, *index]),
            ExprKind::Call { func, args } => {
                out.push(*func);
                out.extend(args);
            }
            ExprKind::MethodCall { receiver, args, .. } => {
                out.push(*receiver);
                out.extend(args);
            }
            ExprKind::Macro(m) => match &m.args {
                MacroArgs::List(args) => out.extend(args.iter().map(|a| a.expr)),
                MacroArgs::Stmts(b) => block(b, out),
                MacroArgs::Tokens(_) => {}
            },
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::Assign { lhs, rhs, .. } => {
                out.extend([*lhs, *rhs])
            }
            ExprKind::Unary { expr, .. }
            | ExprKind::Ref(expr)
            | ExprKind::Try(expr)
            | ExprKind::Await(expr)
            | ExprKind::Cast { expr, .. }
            | ExprKind::Let { expr, .. } => out.push(*expr),
            ExprKind::Tuple(items) | ExprKind::Array(items) => out.extend(items),
            ExprKind::Struct { fields, rest, .. } => {
                out.extend(fields.iter().map(|(_, e)| *e));
                out.extend(rest);
            }
            ExprKind::Closure { body, .. } => out.push(*body),
            ExprKind::Block(b) => block(b, out),
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                out.push(*cond);
                block(then, out);
                out.extend(otherwise);
            }
            ExprKind::Match { scrutinee, arms } => {
                out.push(*scrutinee);
                for arm in arms {
                    out.extend(arm.guard);
                    out.push(arm.body);
                }
            }
            ExprKind::Loop { head, body, .. } => {
                out.extend(head);
                block(body, out);
            }
            ExprKind::Return(e) | ExprKind::Break(e) => out.extend(e),
            ExprKind::Range { start, end } => {
                out.extend(start);
                out.extend(end);
            }
        }
    }
}

/// Methods that pass a value through unchanged for the purpose of tracking where it came from.
pub const TRANSPARENT_METHODS: &[&str] = &[
    "clone",
    "to_owned",
    "to_string",
    "as_str",
    "as_ref",
    "as_deref",
    "borrow",
    "into",
    "unwrap",
    "expect",
    "into_inner",
    "to_str",
    "as_bytes",
    "deref",
];

impl RustFile {
    /// The value of a string known from this file alone: a literal or a `concat!` of literals.
    pub fn static_str(&self, id: ExprId) -> Option<String> {
        match &self.expr(self.strip(id)).kind {
            ExprKind::Lit(Lit::Str(s)) => Some(s.value.clone()),
            ExprKind::Macro(MacroCall {
                path,
                args: MacroArgs::List(args),
                ..
            }) if path.last() == "concat" => args.iter().map(|a| self.static_str(a.expr)).collect(),
            _ => None,
        }
    }
}
