//! syn → [`crate::ir`]: one walk over the file, building arenas, item lists and the call index.

use crate::ir::*;
use crate::model::RustFile;
use crate::span::Span;
use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::Token;

/// Nesting beyond this is lowered as `Other`: our walks stay bounded even on generated code.
const MAX_DEPTH: u32 = 400;

pub(crate) struct Lowerer<'a> {
    text: &'a str,
    /// Added to proc-macro2 byte offsets: syn never sees a leading byte-order mark.
    shift: usize,
    out: RustFile,
    current_fn: Option<FnId>,
    depth: u32,
}

/// Lowers a parsed file. `shift` is the number of bytes stripped before parsing.
pub(crate) fn lower_file(file: &syn::File, text: &str, shift: usize) -> RustFile {
    let mut l = Lowerer {
        text,
        shift,
        out: RustFile::default(),
        current_fn: None,
        depth: 0,
    };
    l.items(&file.items, None);
    l.out.index_lets();
    l.out.release_slack();
    l.out
}

impl Lowerer<'_> {
    fn span(&self, s: proc_macro2::Span) -> Span {
        let r = s.byte_range();
        Span::new(r.start + self.shift, r.end + self.shift)
    }

    fn span2(&self, a: proc_macro2::Span, b: proc_macro2::Span) -> Span {
        self.span(a).cover(self.span(b))
    }

    fn push_expr(&mut self, span: Span, kind: ExprKind) -> ExprId {
        let is_call = matches!(
            kind,
            ExprKind::Call { .. } | ExprKind::MethodCall { .. } | ExprKind::Macro(_)
        );
        let id = ExprId(self.out.exprs.len() as u32);
        self.out.exprs.push(Expr { span, kind });
        if is_call {
            self.out.calls.push((id, self.current_fn));
        }
        id
    }

    fn push_pat(&mut self, span: Span, kind: PatKind) -> PatId {
        let id = PatId(self.out.pats.len() as u32);
        self.out.pats.push(Pat { span, kind });
        id
    }

    fn ident(&self, i: &syn::Ident) -> Ident {
        Ident {
            name: i.unraw().to_string(),
            span: self.span(i.span()),
        }
    }

    // ---- items -------------------------------------------------------------------------

    fn items(&mut self, items: &[syn::Item], owner: Option<&ImplInfo>) {
        for item in items {
            self.item(item, owner);
        }
    }

    fn item(&mut self, item: &syn::Item, owner: Option<&ImplInfo>) {
        match item {
            syn::Item::Fn(f) => {
                self.function(&f.attrs, &f.sig, &f.block, owner.cloned());
            }
            syn::Item::Impl(imp) => {
                let info = ImplInfo {
                    trait_path: imp.trait_.as_ref().map(|(_, p, _)| self.path(p)),
                    self_ty: self.ty(&imp.self_ty),
                    bounds: type_bounds(&imp.generics),
                };
                let mut functions = Vec::new();
                for it in &imp.items {
                    match it {
                        syn::ImplItem::Fn(f) => {
                            functions.push(self.function(
                                &f.attrs,
                                &f.sig,
                                &f.block,
                                Some(info.clone()),
                            ));
                        }
                        syn::ImplItem::Const(c) => {
                            self.const_item(&c.ident, &c.ty, &c.expr, c.ident.span())
                        }
                        _ => {}
                    }
                }
                let span = self.span2(imp.impl_token.span, imp.brace_token.span.close());
                self.out.impls.push(ImplBlock {
                    attrs: self.attrs(&imp.attrs),
                    trait_path: info.trait_path,
                    self_ty: info.self_ty,
                    span,
                    functions,
                });
            }
            syn::Item::Trait(t) => {
                for it in &t.items {
                    if let syn::TraitItem::Fn(f) = it {
                        if let Some(body) = &f.default {
                            self.function(&f.attrs, &f.sig, body, None);
                        }
                    }
                }
            }
            syn::Item::Mod(m) => match &m.content {
                Some((brace, items)) => {
                    let start = m
                        .attrs
                        .first()
                        .map(|a| a.pound_token.span)
                        .unwrap_or(m.mod_token.span);
                    let module = ModuleDef {
                        name: self.ident(&m.ident),
                        attrs: self.attrs(&m.attrs),
                        span: self.span2(start, brace.span.close()),
                    };
                    self.out.modules.push(module);
                    self.items(items, owner);
                }
                None => self
                    .out
                    .module_paths
                    .extend(m.attrs.iter().filter_map(path_attr)),
            },
            syn::Item::Const(c) => self.const_item(&c.ident, &c.ty, &c.expr, c.const_token.span),
            syn::Item::Static(s) => self.const_item(&s.ident, &s.ty, &s.expr, s.static_token.span),
            syn::Item::Struct(s) => {
                let fields = s
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| FieldDef {
                        name: match &f.ident {
                            Some(id) => self.ident(id),
                            None => Ident {
                                name: i.to_string(),
                                span: self.type_span(&f.ty),
                            },
                        },
                        ty: self.ty(&f.ty),
                        attrs: self.attrs(&f.attrs),
                    })
                    .collect();
                let end = match &s.fields {
                    syn::Fields::Named(n) => n.brace_token.span.close(),
                    syn::Fields::Unnamed(u) => u.paren_token.span.close(),
                    syn::Fields::Unit => s.ident.span(),
                };
                let def = StructDef {
                    name: self.ident(&s.ident),
                    attrs: self.attrs(&s.attrs),
                    fields,
                    span: self.span2(s.struct_token.span, end),
                };
                self.out.structs.push(def);
            }
            syn::Item::Enum(e) => {
                let def = EnumDef {
                    name: self.ident(&e.ident),
                    attrs: self.attrs(&e.attrs),
                    variants: e
                        .variants
                        .iter()
                        .map(|v| (self.ident(&v.ident), self.attrs(&v.attrs)))
                        .collect(),
                };
                self.out.enums.push(def);
            }
            syn::Item::Macro(m) => {
                self.macro_statics(&m.mac);
                let span = self.span2(
                    m.mac
                        .path
                        .segments
                        .first()
                        .map_or(m.mac.bang_token.span, |s| s.ident.span()),
                    delim_close(&m.mac.delimiter),
                );
                self.out.item_macros.push(ItemMacro {
                    path: self.path(&m.mac.path),
                    ident: m.ident.as_ref().map(|i| i.to_string()),
                    tokens: m.mac.tokens.to_string(),
                    span,
                });
            }
            syn::Item::Use(u) => self.use_tree(&u.tree, &mut Vec::new()),
            _ => {}
        }
    }

    fn use_tree(&mut self, tree: &syn::UseTree, prefix: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(&p.tree, prefix);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut path = prefix.clone();
                path.push(n.ident.to_string());
                self.out.uses.push(UseItem {
                    path,
                    alias: None,
                    glob: false,
                });
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix.clone();
                path.push(r.ident.to_string());
                self.out.uses.push(UseItem {
                    path,
                    alias: Some(r.rename.to_string()),
                    glob: false,
                });
            }
            syn::UseTree::Glob(_) => self.out.uses.push(UseItem {
                path: prefix.clone(),
                alias: None,
                glob: true,
            }),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, prefix);
                }
            }
        }
    }

    /// `lazy_static! { static ref X: T = .. }` and `thread_local! { static X: T = .. }` declare
    /// statics, at module level or in a function body: their declared types are what calls on
    /// them resolve to, their values what they hold (a compiled pattern).
    fn macro_statics(&mut self, mac: &syn::Macro) {
        if matches!(mac.path.segments.last(), Some(s) if s.ident == "lazy_static" || s.ident == "thread_local")
        {
            if let Ok(statics) = Parser::parse2(parse_macro_statics, mac.tokens.clone()) {
                for (ident, ty, expr, token) in &statics {
                    self.const_item(ident, ty, expr, *token);
                }
            }
        }
    }

    fn const_item(
        &mut self,
        ident: &syn::Ident,
        ty: &syn::Type,
        expr: &syn::Expr,
        start: proc_macro2::Span,
    ) {
        let value = self.expr(expr);
        let span = self.span(start).cover(self.out.expr(value).span);
        let item = ConstItem {
            name: self.ident(ident),
            ty: self.ty(ty),
            value,
            span,
        };
        self.out.consts.push(item);
    }

    fn function(
        &mut self,
        attrs: &[syn::Attribute],
        sig: &syn::Signature,
        body: &syn::Block,
        owner: Option<ImplInfo>,
    ) -> FnId {
        let id = FnId(self.out.functions.len() as u32);
        let start = attrs
            .first()
            .map(|a| a.pound_token.span)
            .unwrap_or(sig.fn_token.span);
        let span = self.span2(start, body.brace_token.span.close());
        let attrs = self.attrs(attrs);
        self.out.functions.push(Function {
            name: self.ident(&sig.ident),
            span,
            attrs,
            is_async: sig.asyncness.is_some(),
            params: Vec::new(),
            ret: None,
            owner,
            bounds: type_bounds(&sig.generics),
            body: Block::default(),
            lets: LetIndex::default(),
        });
        let outer = self.current_fn.replace(id);
        let params = sig
            .inputs
            .iter()
            .map(|arg| match arg {
                syn::FnArg::Receiver(r) => {
                    let span = self.span(r.self_token.span);
                    let pat = self.push_pat(
                        span,
                        PatKind::Ident {
                            name: "self".into(),
                            sub: None,
                        },
                    );
                    Param {
                        pat,
                        ty: Ty::Path(Path {
                            segments: vec!["Self".into()],
                            generics: vec![],
                        }),
                        span,
                    }
                }
                syn::FnArg::Typed(t) => {
                    let pat = self.pat(&t.pat);
                    let ty = self.ty(&t.ty);
                    let span = self.out.pat(pat).span.cover(self.type_span(&t.ty));
                    Param { pat, ty, span }
                }
            })
            .collect();
        let ret = match &sig.output {
            syn::ReturnType::Default => None,
            syn::ReturnType::Type(_, t) => Some(self.ty(t)),
        };
        let body = self.block(body);
        self.current_fn = outer;
        let f = &mut self.out.functions[id.0 as usize];
        f.params = params;
        f.ret = ret;
        f.body = body;
        id
    }

    fn attrs(&self, attrs: &[syn::Attribute]) -> Vec<Attr> {
        attrs
            .iter()
            .filter(|a| !a.path().is_ident("doc"))
            .map(|a| {
                let (tokens, end) = match &a.meta {
                    syn::Meta::Path(_) => (TokenStream::new(), a.bracket_token.span.close()),
                    syn::Meta::List(l) => (l.tokens.clone(), l.delimiter.span().close()),
                    syn::Meta::NameValue(nv) => (
                        nv.value.to_token_stream_owned(),
                        a.bracket_token.span.close(),
                    ),
                };
                let mut strings = Vec::new();
                self.collect_strings(tokens.clone(), &mut strings);
                Attr {
                    path: self.path(a.path()),
                    tokens: tokens.to_string(),
                    span: self.span2(a.pound_token.span, end),
                    strings,
                }
            })
            .collect()
    }

    fn collect_strings(&self, tokens: TokenStream, out: &mut Vec<(String, Span)>) {
        for tt in tokens {
            match tt {
                TokenTree::Group(g) => self.collect_strings(g.stream(), out),
                TokenTree::Literal(l) => {
                    if let Ok(s) = syn::parse2::<syn::LitStr>(TokenTree::Literal(l.clone()).into())
                    {
                        out.push((s.value(), self.span(l.span())));
                    }
                }
                _ => {}
            }
        }
    }

    // ---- types and paths ---------------------------------------------------------------

    fn path(&self, p: &syn::Path) -> Path {
        let mut generics = Vec::new();
        let segments = p
            .segments
            .iter()
            .map(|s| {
                if let syn::PathArguments::AngleBracketed(a) = &s.arguments {
                    for arg in &a.args {
                        if let syn::GenericArgument::Type(t) = arg {
                            generics.push(self.ty(t));
                        }
                    }
                }
                s.ident.unraw().to_string()
            })
            .collect();
        Path { segments, generics }
    }

    fn ty(&self, t: &syn::Type) -> Ty {
        match t {
            syn::Type::Path(p) => Ty::Path(self.path(&p.path)),
            syn::Type::Reference(r) => Ty::Ref(Box::new(self.ty(&r.elem))),
            syn::Type::Tuple(t) => Ty::Tuple(t.elems.iter().map(|e| self.ty(e)).collect()),
            syn::Type::Slice(s) => Ty::Slice(Box::new(self.ty(&s.elem))),
            syn::Type::Array(a) => Ty::Slice(Box::new(self.ty(&a.elem))),
            syn::Type::Paren(p) => self.ty(&p.elem),
            syn::Type::Group(g) => self.ty(&g.elem),
            other => Ty::Other(quote::ToTokens::to_token_stream(other).to_string()),
        }
    }

    fn type_span(&self, t: &syn::Type) -> Span {
        self.span(syn::spanned::Spanned::span(t))
    }

    // ---- patterns ----------------------------------------------------------------------

    fn pat(&mut self, p: &syn::Pat) -> PatId {
        match p {
            syn::Pat::Ident(i) => {
                let sub = i.subpat.as_ref().map(|(_, s)| self.pat(s));
                let span = self.span(i.ident.span());
                self.push_pat(
                    span,
                    PatKind::Ident {
                        name: i.ident.unraw().to_string(),
                        sub,
                    },
                )
            }
            syn::Pat::Tuple(t) => {
                let elems = t.elems.iter().map(|e| self.pat(e)).collect();
                let span = self.span(t.paren_token.span.join());
                self.push_pat(span, PatKind::Tuple(elems))
            }
            syn::Pat::TupleStruct(t) => {
                let path = self.path(&t.path);
                let elems = t.elems.iter().map(|e| self.pat(e)).collect();
                let span = self.span2(first_seg_span(&t.path), t.paren_token.span.close());
                self.push_pat(span, PatKind::TupleStruct { path, elems })
            }
            syn::Pat::Struct(s) => {
                let path = self.path(&s.path);
                let fields = s
                    .fields
                    .iter()
                    .map(|f| {
                        let name = match &f.member {
                            syn::Member::Named(n) => self.ident(n),
                            syn::Member::Unnamed(i) => Ident {
                                name: i.index.to_string(),
                                span: self.span(i.span),
                            },
                        };
                        (name, self.pat(&f.pat))
                    })
                    .collect();
                let span = self.span2(first_seg_span(&s.path), s.brace_token.span.close());
                self.push_pat(span, PatKind::Struct { path, fields })
            }
            syn::Pat::Reference(r) => {
                let inner = self.pat(&r.pat);
                let span = self.span(r.and_token.span).cover(self.out.pat(inner).span);
                self.push_pat(span, PatKind::Ref(inner))
            }
            syn::Pat::Type(t) => self.pat(&t.pat),
            syn::Pat::Paren(p) => self.pat(&p.pat),
            syn::Pat::Or(o) => {
                let cases: Vec<_> = o.cases.iter().map(|c| self.pat(c)).collect();
                let span = cases
                    .iter()
                    .map(|c| self.out.pat(*c).span)
                    .reduce(Span::cover)
                    .unwrap_or_default();
                self.push_pat(span, PatKind::Or(cases))
            }
            syn::Pat::Lit(l) => {
                let (lit, span) = self.lit(&l.lit);
                self.push_pat(span, PatKind::Lit(lit))
            }
            syn::Pat::Path(p) => {
                let path = self.path(&p.path);
                let span = self.span(first_seg_span(&p.path));
                self.push_pat(span, PatKind::Path(path))
            }
            syn::Pat::Wild(w) => {
                let span = self.span(w.underscore_token.span);
                self.push_pat(span, PatKind::Wild)
            }
            syn::Pat::Rest(r) => {
                let span = self.span(r.dot2_token.spans[0]);
                self.push_pat(span, PatKind::Rest)
            }
            syn::Pat::Slice(s) => {
                let elems = s.elems.iter().map(|e| self.pat(e)).collect();
                let span = self.span(s.bracket_token.span.join());
                self.push_pat(span, PatKind::Tuple(elems))
            }
            other => {
                let span = self.span(syn::spanned::Spanned::span(other));
                self.push_pat(span, PatKind::Other)
            }
        }
    }

    // ---- statements and expressions ----------------------------------------------------

    fn block(&mut self, b: &syn::Block) -> Block {
        Block {
            span: self.span(b.brace_token.span.join()),
            stmts: self.stmts(&b.stmts),
        }
    }

    fn stmts(&mut self, stmts: &[syn::Stmt]) -> Vec<Stmt> {
        stmts
            .iter()
            .map(|s| match s {
                syn::Stmt::Local(l) => {
                    let ty = match &l.pat {
                        syn::Pat::Type(t) => Some(self.ty(&t.ty)),
                        _ => None,
                    };
                    let pat = self.pat(&l.pat);
                    let init = l.init.as_ref().map(|i| self.expr(&i.expr));
                    let otherwise =
                        l.init
                            .as_ref()
                            .and_then(|i| i.diverge.as_ref())
                            .map(|(_, e)| match &**e {
                                syn::Expr::Block(b) => self.block(&b.block),
                                other => {
                                    let expr = self.expr(other);
                                    Block {
                                        span: self.out.expr(expr).span,
                                        stmts: vec![Stmt::Expr { expr, semi: false }],
                                    }
                                }
                            });
                    Stmt::Let {
                        pat,
                        ty,
                        init,
                        otherwise,
                        span: self.span2(l.let_token.span, l.semi_token.span),
                    }
                }
                syn::Stmt::Item(item) => {
                    self.item(item, None);
                    Stmt::Item
                }
                syn::Stmt::Expr(e, semi) => Stmt::Expr {
                    expr: self.expr(e),
                    semi: semi.is_some(),
                },
                syn::Stmt::Macro(m) => {
                    self.macro_statics(&m.mac);
                    let expr = self.mac(&m.mac);
                    Stmt::Expr {
                        expr,
                        semi: m.semi_token.is_some(),
                    }
                }
            })
            .collect()
    }

    fn exprs<'e>(&mut self, es: impl IntoIterator<Item = &'e syn::Expr>) -> Vec<ExprId> {
        es.into_iter().map(|e| self.expr(e)).collect()
    }

    fn span_of(&self, id: ExprId) -> Span {
        self.out.expr(id).span
    }

    pub(crate) fn expr(&mut self, e: &syn::Expr) -> ExprId {
        if self.depth >= MAX_DEPTH {
            let span = self.span(syn::spanned::Spanned::span(e));
            return self.push_expr(span, ExprKind::Other);
        }
        self.depth += 1;
        let id = self.expr_inner(e);
        self.depth -= 1;
        id
    }

    fn expr_inner(&mut self, e: &syn::Expr) -> ExprId {
        use syn::Expr as E;
        let (span, kind) = match e {
            E::Lit(l) => {
                let (lit, span) = self.lit(&l.lit);
                (span, ExprKind::Lit(lit))
            }
            E::Path(p) => {
                let span = path_span(self, &p.path);
                (span, ExprKind::Path(self.path(&p.path)))
            }
            E::Field(f) => {
                let base = self.expr(&f.base);
                let member = match &f.member {
                    syn::Member::Named(n) => self.ident(n),
                    syn::Member::Unnamed(i) => Ident {
                        name: i.index.to_string(),
                        span: self.span(i.span),
                    },
                };
                (
                    self.span_of(base).cover(member.span),
                    ExprKind::Field { base, member },
                )
            }
            E::Index(i) => {
                let base = self.expr(&i.expr);
                let index = self.expr(&i.index);
                let span = self
                    .span_of(base)
                    .cover(self.span(i.bracket_token.span.close()));
                (span, ExprKind::Index { base, index })
            }
            E::Call(c) => {
                let func = self.expr(&c.func);
                let args = self.exprs(&c.args);
                let span = self
                    .span_of(func)
                    .cover(self.span(c.paren_token.span.close()));
                (span, ExprKind::Call { func, args })
            }
            E::MethodCall(m) => {
                let receiver = self.expr(&m.receiver);
                let turbofish = m
                    .turbofish
                    .iter()
                    .flat_map(|t| &t.args)
                    .filter_map(|a| match a {
                        syn::GenericArgument::Type(t) => Some(self.ty(t)),
                        _ => None,
                    })
                    .collect();
                let args = self.exprs(&m.args);
                let span = self
                    .span_of(receiver)
                    .cover(self.span(m.paren_token.span.close()));
                (
                    span,
                    ExprKind::MethodCall {
                        receiver,
                        method: self.ident(&m.method),
                        turbofish,
                        args,
                    },
                )
            }
            E::Macro(m) => return self.mac(&m.mac),
            E::Binary(b) => {
                let lhs = self.expr(&b.left);
                let rhs = self.expr(&b.right);
                let span = self.span_of(lhs).cover(self.span_of(rhs));
                match bin_op(&b.op) {
                    (op, false) => (span, ExprKind::Binary { op, lhs, rhs }),
                    (op, true) => (
                        span,
                        ExprKind::Assign {
                            lhs,
                            rhs,
                            compound: Some(op),
                        },
                    ),
                }
            }
            E::Unary(u) => {
                let expr = self.expr(&u.expr);
                let (op, tok) = match &u.op {
                    syn::UnOp::Not(t) => (UnOp::Not, t.span),
                    syn::UnOp::Neg(t) => (UnOp::Neg, t.span),
                    syn::UnOp::Deref(t) => (UnOp::Deref, t.span),
                    _ => (UnOp::Not, syn::spanned::Spanned::span(&u.op)),
                };
                (
                    self.span(tok).cover(self.span_of(expr)),
                    ExprKind::Unary { op, expr },
                )
            }
            E::Reference(r) => {
                let expr = self.expr(&r.expr);
                (
                    self.span(r.and_token.span).cover(self.span_of(expr)),
                    ExprKind::Ref(expr),
                )
            }
            E::RawAddr(r) => {
                let expr = self.expr(&r.expr);
                (self.span_of(expr), ExprKind::Ref(expr))
            }
            E::Paren(p) => {
                let inner = self.expr(&p.expr);
                return inner;
            }
            E::Group(g) => return self.expr(&g.expr),
            E::Try(t) => {
                let expr = self.expr(&t.expr);
                (
                    self.span_of(expr).cover(self.span(t.question_token.span)),
                    ExprKind::Try(expr),
                )
            }
            E::Await(a) => {
                let expr = self.expr(&a.base);
                (
                    self.span_of(expr).cover(self.span(a.await_token.span)),
                    ExprKind::Await(expr),
                )
            }
            E::Cast(c) => {
                let expr = self.expr(&c.expr);
                let ty = self.ty(&c.ty);
                (
                    self.span_of(expr).cover(self.span(c.as_token.span)),
                    ExprKind::Cast { expr, ty },
                )
            }
            E::Tuple(t) => {
                let items = self.exprs(&t.elems);
                (self.span(t.paren_token.span.join()), ExprKind::Tuple(items))
            }
            E::Array(a) => {
                let items = self.exprs(&a.elems);
                (
                    self.span(a.bracket_token.span.join()),
                    ExprKind::Array(items),
                )
            }
            E::Repeat(r) => {
                let items = self.exprs([&*r.expr, &*r.len]);
                (
                    self.span(r.bracket_token.span.join()),
                    ExprKind::Array(items),
                )
            }
            E::Struct(s) => {
                let path = self.path(&s.path);
                let fields = s
                    .fields
                    .iter()
                    .map(|f| {
                        let name = match &f.member {
                            syn::Member::Named(n) => self.ident(n),
                            syn::Member::Unnamed(i) => Ident {
                                name: i.index.to_string(),
                                span: self.span(i.span),
                            },
                        };
                        (name, self.expr(&f.expr))
                    })
                    .collect();
                let rest = s.rest.as_ref().map(|r| self.expr(r));
                let span = self.span2(first_seg_span(&s.path), s.brace_token.span.close());
                (span, ExprKind::Struct { path, fields, rest })
            }
            E::Closure(c) => {
                let params = c.inputs.iter().map(|p| self.pat(p)).collect();
                let body = self.expr(&c.body);
                (
                    self.span(c.or1_token.span).cover(self.span_of(body)),
                    ExprKind::Closure { params, body },
                )
            }
            E::Block(b) => {
                let block = self.block(&b.block);
                (block.span, ExprKind::Block(block))
            }
            E::Async(a) => {
                let block = self.block(&a.block);
                (
                    self.span(a.async_token.span).cover(block.span),
                    ExprKind::Block(block),
                )
            }
            E::Unsafe(u) => {
                let block = self.block(&u.block);
                (
                    self.span(u.unsafe_token.span).cover(block.span),
                    ExprKind::Block(block),
                )
            }
            E::TryBlock(t) => {
                let block = self.block(&t.block);
                (block.span, ExprKind::Block(block))
            }
            E::Const(c) => {
                let block = self.block(&c.block);
                (block.span, ExprKind::Block(block))
            }
            E::If(i) => {
                let cond = self.expr(&i.cond);
                let then = self.block(&i.then_branch);
                let otherwise = i.else_branch.as_ref().map(|(_, e)| self.expr(e));
                let end = otherwise.map_or(then.span, |o| self.span_of(o));
                (
                    self.span(i.if_token.span).cover(end),
                    ExprKind::If {
                        cond,
                        then,
                        otherwise,
                    },
                )
            }
            E::Let(l) => {
                let pat = self.pat(&l.pat);
                let expr = self.expr(&l.expr);
                (
                    self.span(l.let_token.span).cover(self.span_of(expr)),
                    ExprKind::Let { pat, expr },
                )
            }
            E::Match(m) => {
                let scrutinee = self.expr(&m.expr);
                let arms = m
                    .arms
                    .iter()
                    .map(|a| Arm {
                        pat: self.pat(&a.pat),
                        guard: a.guard.as_ref().map(|(_, g)| self.expr(g)),
                        body: self.expr(&a.body),
                    })
                    .collect();
                (
                    self.span2(m.match_token.span, m.brace_token.span.close()),
                    ExprKind::Match { scrutinee, arms },
                )
            }
            E::Loop(l) => {
                let body = self.block(&l.body);
                (
                    self.span(l.loop_token.span).cover(body.span),
                    ExprKind::Loop {
                        pat: None,
                        head: None,
                        body,
                    },
                )
            }
            E::While(w) => {
                let head = Some(self.expr(&w.cond));
                let body = self.block(&w.body);
                (
                    self.span(w.while_token.span).cover(body.span),
                    ExprKind::Loop {
                        pat: None,
                        head,
                        body,
                    },
                )
            }
            E::ForLoop(f) => {
                let pat = Some(self.pat(&f.pat));
                let head = Some(self.expr(&f.expr));
                let body = self.block(&f.body);
                (
                    self.span(f.for_token.span).cover(body.span),
                    ExprKind::Loop { pat, head, body },
                )
            }
            E::Return(r) => {
                let e = r.expr.as_ref().map(|e| self.expr(e));
                let start = self.span(r.return_token.span);
                (
                    e.map_or(start, |e| start.cover(self.span_of(e))),
                    ExprKind::Return(e),
                )
            }
            E::Break(b) => {
                let e = b.expr.as_ref().map(|e| self.expr(e));
                let start = self.span(b.break_token.span);
                (
                    e.map_or(start, |e| start.cover(self.span_of(e))),
                    ExprKind::Break(e),
                )
            }
            E::Continue(c) => (self.span(c.continue_token.span), ExprKind::Continue),
            E::Assign(a) => {
                let lhs = self.expr(&a.left);
                let rhs = self.expr(&a.right);
                (
                    self.span_of(lhs).cover(self.span_of(rhs)),
                    ExprKind::Assign {
                        lhs,
                        rhs,
                        compound: None,
                    },
                )
            }
            E::Range(r) => {
                let start = r.start.as_ref().map(|e| self.expr(e));
                let end = r.end.as_ref().map(|e| self.expr(e));
                let span = [start, end]
                    .into_iter()
                    .flatten()
                    .map(|e| self.span_of(e))
                    .reduce(Span::cover)
                    .unwrap_or_else(|| self.span(syn::spanned::Spanned::span(&r.limits)));
                (span, ExprKind::Range { start, end })
            }
            other => (
                self.span(syn::spanned::Spanned::span(other)),
                ExprKind::Other,
            ),
        };
        self.push_expr(span, kind)
    }

    fn lit(&self, l: &syn::Lit) -> (Lit, Span) {
        let span = self.span(l.span());
        let lit = match l {
            syn::Lit::Str(s) => Lit::Str(self.str_lit(s.value(), span)),
            syn::Lit::ByteStr(s) => {
                Lit::Str(self.str_lit(String::from_utf8_lossy(&s.value()).into_owned(), span))
            }
            syn::Lit::Int(i) => Lit::Int(i.base10_digits().to_string()),
            syn::Lit::Float(f) => Lit::Float(f.base10_digits().to_string()),
            syn::Lit::Bool(b) => Lit::Bool(b.value),
            syn::Lit::Char(c) => Lit::Char(c.value()),
            _ => Lit::Other,
        };
        (lit, span)
    }

    fn str_lit(&self, value: String, span: Span) -> StrLit {
        let token = self.text.get(span.range()).unwrap_or("");
        let quote = token.find('"').unwrap_or(0);
        StrLit {
            value,
            content_start: span.start + quote as u32 + 1,
            raw: token.starts_with('r') || token.starts_with("br"),
        }
    }

    // ---- macros ------------------------------------------------------------------------

    fn mac(&mut self, m: &syn::Macro) -> ExprId {
        let path = self.path(&m.path);
        let close = delim_close(&m.delimiter);
        let span = self.span2(first_seg_span(&m.path), close);
        let open = self.span(delim_span(&m.delimiter).open());
        let tokens_span = Span::new(open.end as usize, self.span(close).start as usize);
        let args = self.macro_args(&m.tokens);
        self.push_expr(
            span,
            ExprKind::Macro(MacroCall {
                path,
                args,
                tokens_span,
            }),
        )
    }

    fn macro_args(&mut self, tokens: &TokenStream) -> MacroArgs {
        if tokens.is_empty() {
            return MacroArgs::List(Vec::new());
        }
        if let Ok(raw) = Parser::parse2(parse_macro_list, tokens.clone()) {
            // Not `into_iter().map().collect()`: that reuses the buffer of the raw arguments,
            // which hold whole syn expressions, and the file would keep it until the run ends.
            let mut args = Vec::with_capacity(raw.len());
            for a in raw {
                let expr = self.expr(&a.expr);
                let name = a.name.map(|(n, s)| Ident {
                    name: n,
                    span: self.span(s),
                });
                let start = name.as_ref().map_or(self.span_of(expr), |n| n.span);
                args.push(MacroArg {
                    name,
                    sigil: a.sigil,
                    expr,
                    span: start.cover(self.span_of(expr)),
                });
            }
            return MacroArgs::List(args);
        }
        if let Ok(stmts) = Parser::parse2(syn::Block::parse_within, tokens.clone()) {
            let stmts = self.stmts(&stmts);
            return MacroArgs::Stmts(Block {
                span: Span::default(),
                stmts,
            });
        }
        if let Some(stmts) = self.labelled_blocks(tokens) {
            return MacroArgs::Stmts(Block {
                span: Span::default(),
                stmts,
            });
        }
        MacroArgs::Tokens(tokens.to_string())
    }

    /// Wrapper macros written `name: { .. }` or `name: backend, backend { .. } other { .. }`
    /// (`run_on! { conn: sqlite, mysql { .. } }`): the statements of every block.
    fn labelled_blocks(&mut self, tokens: &TokenStream) -> Option<Vec<Stmt>> {
        let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
        let header = matches!(
            trees.as_slice(),
            [TokenTree::Ident(_), TokenTree::Punct(p), ..] if p.as_char() == ':'
        );
        if !header {
            return None;
        }
        let mut stmts = Vec::new();
        for t in trees.iter().skip(2) {
            match t {
                TokenTree::Group(g) if g.delimiter() == proc_macro2::Delimiter::Brace => {
                    let block = Parser::parse2(syn::Block::parse_within, g.stream()).ok()?;
                    stmts.extend(self.stmts(&block));
                }
                TokenTree::Ident(_) => {}
                TokenTree::Punct(p) if p.as_char() == ',' => {}
                _ => return None,
            }
        }
        (!stmts.is_empty()).then_some(stmts)
    }
}

trait ToTokenStreamOwned {
    fn to_token_stream_owned(&self) -> TokenStream;
}

impl ToTokenStreamOwned for syn::Expr {
    fn to_token_stream_owned(&self) -> TokenStream {
        quote::ToTokens::to_token_stream(self)
    }
}

struct RawMacroArg {
    name: Option<(String, proc_macro2::Span)>,
    sigil: Option<char>,
    expr: syn::Expr,
}

/// Comma-separated macro arguments, with tracing's `name = %value`, `?value`,
/// `a.b = value` and `target: "x"` forms.
/// The statics of a `lazy_static!` or `thread_local!` body: `[attrs] [vis] static [ref] NAME:
/// TYPE = EXPR;`, repeated.
type MacroStatic = (syn::Ident, syn::Type, syn::Expr, proc_macro2::Span);

fn parse_macro_statics(input: ParseStream) -> syn::Result<Vec<MacroStatic>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        input.call(syn::Attribute::parse_outer)?;
        input.parse::<syn::Visibility>()?;
        let token: syn::Token![static] = input.parse()?;
        if input.peek(syn::Token![ref]) {
            input.parse::<syn::Token![ref]>()?;
        }
        let ident: syn::Ident = input.parse()?;
        input.parse::<syn::Token![:]>()?;
        let ty: syn::Type = input.parse()?;
        input.parse::<syn::Token![=]>()?;
        let expr: syn::Expr = input.parse()?;
        if !input.is_empty() {
            input.parse::<syn::Token![;]>()?;
        }
        out.push((ident, ty, expr, token.span));
    }
    Ok(out)
}

fn parse_macro_list(input: ParseStream) -> syn::Result<Vec<RawMacroArg>> {
    let mut args = Vec::new();
    while !input.is_empty() {
        let name = {
            let fork = input.fork();
            let is_name = parse_field_name(&fork).is_ok()
                && ((fork.peek(Token![=]) && !fork.peek(Token![==]))
                    || (fork.peek(Token![:]) && !fork.peek(Token![::])));
            if is_name {
                let name = parse_field_name(input)?;
                if input.peek(Token![=]) {
                    input.parse::<Token![=]>()?;
                } else {
                    input.parse::<Token![:]>()?;
                }
                Some(name)
            } else {
                None
            }
        };
        let sigil = if input.peek(Token![%]) {
            input.parse::<Token![%]>()?;
            Some('%')
        } else if input.peek(Token![?]) {
            input.parse::<Token![?]>()?;
            Some('?')
        } else {
            None
        };
        let expr: syn::Expr = input.parse()?;
        args.push(RawMacroArg { name, sigil, expr });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(args)
}

/// A tracing field name: `a`, `a.b.c`, or `"quoted name"`.
fn parse_field_name(input: ParseStream) -> syn::Result<(String, proc_macro2::Span)> {
    if input.peek(syn::LitStr) {
        let s: syn::LitStr = input.parse()?;
        return Ok((s.value(), s.span()));
    }
    let first: syn::Ident = input.call(syn::ext::IdentExt::parse_any)?;
    let span = first.span();
    let mut name = first.unraw().to_string();
    while input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        let next: syn::Ident = input.call(syn::ext::IdentExt::parse_any)?;
        name.push('.');
        name.push_str(&next.unraw().to_string());
    }
    Ok((name, span))
}

fn bin_op(op: &syn::BinOp) -> (BinOp, bool) {
    use syn::BinOp as B;
    match op {
        B::Add(_) => (BinOp::Add, false),
        B::Sub(_) => (BinOp::Sub, false),
        B::Mul(_) => (BinOp::Mul, false),
        B::Div(_) => (BinOp::Div, false),
        B::Rem(_) => (BinOp::Rem, false),
        B::And(_) => (BinOp::And, false),
        B::Or(_) => (BinOp::Or, false),
        B::BitXor(_) => (BinOp::BitXor, false),
        B::BitAnd(_) => (BinOp::BitAnd, false),
        B::BitOr(_) => (BinOp::BitOr, false),
        B::Shl(_) => (BinOp::Shl, false),
        B::Shr(_) => (BinOp::Shr, false),
        B::Eq(_) => (BinOp::Eq, false),
        B::Lt(_) => (BinOp::Lt, false),
        B::Le(_) => (BinOp::Le, false),
        B::Ne(_) => (BinOp::Ne, false),
        B::Ge(_) => (BinOp::Ge, false),
        B::Gt(_) => (BinOp::Gt, false),
        B::AddAssign(_) => (BinOp::Add, true),
        B::SubAssign(_) => (BinOp::Sub, true),
        B::MulAssign(_) => (BinOp::Mul, true),
        B::DivAssign(_) => (BinOp::Div, true),
        B::RemAssign(_) => (BinOp::Rem, true),
        B::BitXorAssign(_) => (BinOp::BitXor, true),
        B::BitAndAssign(_) => (BinOp::BitAnd, true),
        B::BitOrAssign(_) => (BinOp::BitOr, true),
        B::ShlAssign(_) => (BinOp::Shl, true),
        B::ShrAssign(_) => (BinOp::Shr, true),
        _ => (BinOp::Add, false),
    }
}

fn first_seg_span(p: &syn::Path) -> proc_macro2::Span {
    p.leading_colon
        .map(|c| c.spans[0])
        .or_else(|| p.segments.first().map(|s| s.ident.span()))
        .unwrap_or_else(proc_macro2::Span::call_site)
}

fn path_span(l: &Lowerer, p: &syn::Path) -> Span {
    let last = p
        .segments
        .last()
        .map_or_else(proc_macro2::Span::call_site, |s| s.ident.span());
    l.span2(first_seg_span(p), last)
}

fn delim_span(d: &syn::MacroDelimiter) -> &proc_macro2::extra::DelimSpan {
    match d {
        syn::MacroDelimiter::Paren(p) => &p.span,
        syn::MacroDelimiter::Brace(b) => &b.span,
        syn::MacroDelimiter::Bracket(b) => &b.span,
    }
}

fn delim_close(d: &syn::MacroDelimiter) -> proc_macro2::Span {
    delim_span(d).close()
}

/// The value of a `#[path = "file.rs"]` attribute.
fn path_attr(attr: &syn::Attribute) -> Option<String> {
    let syn::Meta::NameValue(nv) = &attr.meta else {
        return None;
    };
    match &nv.value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) if nv.path.is_ident("path") => Some(s.value()),
        _ => None,
    }
}

/// The trait bounds of each type parameter, inline and in the `where` clause.
fn type_bounds(generics: &syn::Generics) -> TypeBounds {
    fn traits<'a>(bounds: impl IntoIterator<Item = &'a syn::TypeParamBound>) -> Vec<String> {
        bounds
            .into_iter()
            .filter_map(|b| match b {
                syn::TypeParamBound::Trait(t) => {
                    t.path.segments.last().map(|s| s.ident.to_string())
                }
                _ => None,
            })
            .collect()
    }
    let mut out: TypeBounds = generics
        .type_params()
        .map(|p| (p.ident.to_string(), traits(&p.bounds)))
        .collect();
    for predicate in generics.where_clause.iter().flat_map(|w| &w.predicates) {
        let syn::WherePredicate::Type(t) = predicate else {
            continue;
        };
        let syn::Type::Path(p) = &t.bounded_ty else {
            continue;
        };
        let Some(name) = p.path.get_ident().map(|i| i.to_string()) else {
            continue;
        };
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, b)) => b.extend(traits(&t.bounds)),
            None => out.push((name, traits(&t.bounds))),
        }
    }
    out
}
