//! A small, owned lowering of the Rust syntax tree: what the rules need and nothing else.
//!
//! syn's tree is dropped right after lowering (its spans live in a thread-local table that we
//! reset per file), so every node here carries our own byte [`Span`]. Expressions and patterns
//! live in per-file arenas and refer to each other by id, which keeps facts cheap to share.

use crate::span::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExprId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PatId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnId(pub u32);

/// An identifier with where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A path such as `sqlx::query` or `Column::OrgId`, by segment names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Path {
    pub segments: Vec<String>,
    /// Generic arguments written on any segment (`query_as::<_, User>`, `Path<(Uuid, i32)>`).
    pub generics: Vec<Ty>,
}

impl Path {
    pub fn last(&self) -> &str {
        self.segments.last().map_or("", String::as_str)
    }

    /// Whether the path ends with the given segments (`["sqlx", "query"]` matches
    /// `sqlx::query` and `::sqlx::query`; `["query"]` matches both and plain `query`).
    pub fn ends_with(&self, tail: &[&str]) -> bool {
        self.segments.len() >= tail.len()
            && self.segments[self.segments.len() - tail.len()..]
                .iter()
                .zip(tail)
                .all(|(a, b)| a == b)
    }

    pub fn is_ident(&self, name: &str) -> bool {
        self.segments.len() == 1 && self.segments[0] == name
    }

    pub fn joined(&self) -> String {
        self.segments.join("::")
    }
}

/// A type, reduced to paths, references and tuples.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    Path(Path),
    Ref(Box<Ty>),
    Tuple(Vec<Ty>),
    Slice(Box<Ty>),
    /// `impl Trait`, `dyn Trait`, function pointers, `_`...: only the text is kept.
    Other(String),
}

impl Ty {
    /// The last path segment, looking through references (`&Path<T>` → `Path`).
    pub fn name(&self) -> &str {
        match self {
            Ty::Path(p) => p.last(),
            Ty::Ref(t) => t.name(),
            _ => "",
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            Ty::Path(p) => Some(p),
            Ty::Ref(t) => t.path(),
            _ => None,
        }
    }

    /// The generic arguments of the outermost path type.
    pub fn args(&self) -> &[Ty] {
        self.path().map_or(&[], |p| p.generics.as_slice())
    }

    /// Whether this type or any type argument inside it is named `name`.
    pub fn mentions(&self, name: &str) -> bool {
        match self {
            Ty::Path(p) => {
                p.segments.iter().any(|s| s == name) || p.generics.iter().any(|t| t.mentions(name))
            }
            Ty::Ref(t) | Ty::Slice(t) => t.mentions(name),
            Ty::Tuple(ts) => ts.iter().any(|t| t.mentions(name)),
            Ty::Other(text) => text.contains(name),
        }
    }
}

/// Rust's integer types.
pub const INTEGER_TYPES: &[&str] = &[
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];

impl Ty {
    /// An integer type (through references).
    pub fn is_integer(&self) -> bool {
        INTEGER_TYPES.contains(&self.name())
    }

    /// A number or a bool: a value that cannot carry text.
    pub fn is_scalar(&self) -> bool {
        self.is_integer() || matches!(self.name(), "f32" | "f64" | "bool")
    }
}

/// Whether a name is written like a constant: `MAX_ROWS`, `V2`.
pub fn is_const_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
}

#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    /// A string literal (plain, raw or byte string) with its decoded value.
    Str(StrLit),
    Int(String),
    Float(String),
    Bool(bool),
    Char(char),
    Other,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    pub value: String,
    /// Byte offset in the file where the literal's content (after the opening quote) starts.
    pub content_start: u32,
    /// For raw strings, every value byte sits at `content_start + i`. For others, escapes
    /// make the mapping uneven: see [`crate::sql::map_literal_offset`].
    pub raw: bool,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub span: Span,
    pub kind: ExprKind,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Lit(Lit),
    Path(Path),
    Field {
        base: ExprId,
        member: Ident,
    },
    Index {
        base: ExprId,
        index: ExprId,
    },
    Call {
        func: ExprId,
        args: Vec<ExprId>,
    },
    MethodCall {
        receiver: ExprId,
        method: Ident,
        turbofish: Vec<Ty>,
        args: Vec<ExprId>,
    },
    Macro(MacroCall),
    Binary {
        op: BinOp,
        lhs: ExprId,
        rhs: ExprId,
    },
    Unary {
        op: UnOp,
        expr: ExprId,
    },
    /// `&x`, `&mut x`: transparent for most questions.
    Ref(ExprId),
    /// `x?`
    Try(ExprId),
    /// `x.await`
    Await(ExprId),
    Cast {
        expr: ExprId,
        ty: Ty,
    },
    Tuple(Vec<ExprId>),
    Array(Vec<ExprId>),
    Struct {
        path: Path,
        fields: Vec<(Ident, ExprId)>,
        rest: Option<ExprId>,
    },
    Closure {
        params: Vec<PatId>,
        body: ExprId,
    },
    Block(Block),
    If {
        cond: ExprId,
        then: Block,
        otherwise: Option<ExprId>,
    },
    /// The `let PAT = EXPR` of an `if let` / `while let` / let chain.
    Let {
        pat: PatId,
        expr: ExprId,
    },
    Match {
        scrutinee: ExprId,
        arms: Vec<Arm>,
    },
    Loop {
        /// `for PAT in ITER`: the pattern.
        pat: Option<PatId>,
        /// The `while` condition or the `for` iterator.
        head: Option<ExprId>,
        body: Block,
    },
    Return(Option<ExprId>),
    Break(Option<ExprId>),
    Continue,
    Assign {
        lhs: ExprId,
        rhs: ExprId,
        /// `Some("+")` for `+=`.
        compound: Option<BinOp>,
    },
    Range {
        start: Option<ExprId>,
        end: Option<ExprId>,
    },
    /// Anything the rules have no use for (inline asm, verbatim tokens...).
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    And,
    Or,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Not,
    Neg,
    Deref,
}

#[derive(Clone, Debug)]
pub struct Arm {
    pub pat: PatId,
    pub guard: Option<ExprId>,
    pub body: ExprId,
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub span: Span,
    pub stmts: Vec<Stmt>,
}

#[derive(Clone, Debug)]
pub enum Stmt {
    Let {
        pat: PatId,
        ty: Option<Ty>,
        init: Option<ExprId>,
        /// The diverging block of `let ... else`.
        otherwise: Option<Block>,
        span: Span,
    },
    /// An expression statement; `semi` tells whether it ends with `;`.
    Expr { expr: ExprId, semi: bool },
    /// A nested item (fn, const, struct...): lowered into the file's item lists.
    Item,
}

#[derive(Clone, Debug)]
pub struct Pat {
    pub span: Span,
    pub kind: PatKind,
}

#[derive(Clone, Debug)]
pub enum PatKind {
    /// A binding: `x`, `mut x`, `ref x`, `x @ ..`.
    Ident {
        name: String,
        sub: Option<PatId>,
    },
    Tuple(Vec<PatId>),
    /// `Path((a, b))`, `Some(x)`.
    TupleStruct {
        path: Path,
        elems: Vec<PatId>,
    },
    /// `Claims { org_id, .. }`, `Json(Body { tenant_id: t, .. })`.
    Struct {
        path: Path,
        fields: Vec<(Ident, PatId)>,
    },
    Ref(PatId),
    Or(Vec<PatId>),
    Lit(Lit),
    /// A path pattern (`None`, `Role::Admin`).
    Path(Path),
    Wild,
    Rest,
    Other,
}

/// A macro invocation with its tokens parsed as far as the macro's shape allows.
#[derive(Clone, Debug)]
pub struct MacroCall {
    pub path: Path,
    pub args: MacroArgs,
    /// The span of the tokens between the delimiters.
    pub tokens_span: Span,
}

#[derive(Clone, Debug)]
pub enum MacroArgs {
    /// Comma-separated arguments: `format!`, `query!`, `concat!`, log and tracing macros.
    List(Vec<MacroArg>),
    /// A block of statements (project macros that wrap code, such as `db_run! { ... }`).
    Stmts(Block),
    /// Tokens we could not read: kept as text.
    Tokens(String),
}

/// One argument of a list-shaped macro. tracing's field syntax is kept apart:
/// `api_key = %key` has `name = Some("api_key")` and `sigil = Some('%')`.
#[derive(Clone, Debug)]
pub struct MacroArg {
    pub name: Option<Ident>,
    pub sigil: Option<char>,
    pub expr: ExprId,
    pub span: Span,
}

/// An attribute, by path and raw token text (`get`, `"/orgs/<org_id>"`).
#[derive(Clone, Debug)]
pub struct Attr {
    pub path: Path,
    pub tokens: String,
    pub span: Span,
    /// String literals among the attribute's tokens, decoded, with their spans.
    pub strings: Vec<(String, Span)>,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub pat: PatId,
    pub ty: Ty,
    pub span: Span,
}

/// The `impl` block a function sits in.
#[derive(Clone, Debug)]
pub struct ImplInfo {
    pub trait_path: Option<Path>,
    pub self_ty: Ty,
    /// The impl's type parameters with their trait bounds (`impl<R: Repo> Service<R>`).
    pub bounds: TypeBounds,
}

/// Type parameters and the last segments of the traits that bound them, from the generics
/// and the `where` clause: `<R: Repo + Send>` is `("R", ["Repo", "Send"])`.
pub type TypeBounds = Vec<(String, Vec<String>)>;

#[derive(Clone, Debug)]
pub struct Function {
    pub name: Ident,
    pub span: Span,
    pub attrs: Vec<Attr>,
    pub is_async: bool,
    /// `self` is a parameter too, with type `Self`.
    pub params: Vec<Param>,
    pub ret: Option<Ty>,
    pub owner: Option<ImplInfo>,
    /// The function's own type parameters with their trait bounds.
    pub bounds: TypeBounds,
    pub body: Block,
    /// The body's `let`s and rebinding patterns, indexed once after lowering.
    pub lets: LetIndex,
}

/// One `let`: its pattern, declared type, initializer and the span of the whole statement.
#[derive(Clone, Debug)]
pub struct LetSite {
    pub pat: PatId,
    pub ty: Option<Ty>,
    pub init: Option<ExprId>,
    pub span: Span,
}

/// A function body's `let`s in the order `RustFile::visit_lets` reports them, and the
/// patterns that bind names again inside a scope (closure parameters, `for` patterns, match
/// arms, the `let`s of an `if` condition) with the span each binding covers: def-use questions
/// read these instead of walking the body again.
#[derive(Clone, Debug, Default)]
pub struct LetIndex {
    pub lets: Vec<LetSite>,
    pub rebinds: Vec<(Span, PatId)>,
    /// The `let name = ..`s (a plain name pattern) of each name, all and typed ones.
    pub by_name: std::collections::HashMap<String, [NamedLets; 2]>,
}

/// Positions in [`LetIndex::lets`] of the `let`s of one name, in order.
#[derive(Clone, Debug, Default)]
pub struct NamedLets {
    positions: Vec<u32>,
    /// Whether their spans end in increasing order too (all but a `let` in a `let .. else`
    /// block or such): then the last one before an offset is found by bisection.
    ends_in_order: bool,
}

impl NamedLets {
    pub fn push(&mut self, position: u32, lets: &[LetSite]) {
        let end = lets[position as usize].span.end;
        self.ends_in_order = self
            .positions
            .last()
            .is_none_or(|&p| self.ends_in_order && lets[p as usize].span.end <= end);
        self.positions.push(position);
    }
}

impl LetIndex {
    /// The last `let name = ..` (a typed one if `typed`) that ends before `offset`, in the order
    /// of [`LetIndex::lets`]: a bisection, or a scan of that name's `let`s only.
    pub fn last_named(&self, name: &str, offset: u32, typed: bool) -> Option<&LetSite> {
        let named = &self.by_name.get(name)?[usize::from(typed)];
        let site = |p: &u32| &self.lets[*p as usize];
        if named.ends_in_order {
            let before = named
                .positions
                .partition_point(|p| site(p).span.end <= offset);
            return named.positions[..before].last().map(site);
        }
        named
            .positions
            .iter()
            .rev()
            .map(site)
            .find(|l| l.span.end <= offset)
    }
}

impl Function {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.path.last() == name)
    }
}

/// A `const` or `static` item.
#[derive(Clone, Debug)]
pub struct ConstItem {
    pub name: Ident,
    pub ty: Ty,
    pub value: ExprId,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: Ident,
    pub ty: Ty,
    pub attrs: Vec<Attr>,
}

/// An enum: its variants' names and attributes.
#[derive(Clone, Debug)]
pub struct EnumDef {
    pub name: Ident,
    pub attrs: Vec<Attr>,
    pub variants: Vec<(Ident, Vec<Attr>)>,
}

#[derive(Clone, Debug)]
pub struct StructDef {
    pub name: Ident,
    pub attrs: Vec<Attr>,
    /// Named fields; tuple fields are named `0`, `1`...
    pub fields: Vec<FieldDef>,
    pub span: Span,
}

impl StructDef {
    pub fn derives(&self, name: &str) -> bool {
        self.attrs.iter().any(|a| {
            a.path.is_ident("derive") && a.tokens.split([',', ' ', ':']).any(|t| t == name)
        })
    }
}

/// An `impl` block header: `impl Debug for ApiKey`, `impl<S> FromRequestParts<S> for Tenant`.
#[derive(Clone, Debug)]
pub struct ImplBlock {
    pub attrs: Vec<Attr>,
    pub trait_path: Option<Path>,
    pub self_ty: Ty,
    pub span: Span,
    pub functions: Vec<FnId>,
}

/// An inline module (`mod tests { .. }`): its attributes and the span of the whole item.
#[derive(Clone, Debug)]
pub struct ModuleDef {
    pub name: Ident,
    pub attrs: Vec<Attr>,
    pub span: Span,
}

/// A macro invocation in item position (`diesel::table! { ... }`), kept as tokens.
#[derive(Clone, Debug)]
pub struct ItemMacro {
    pub path: Path,
    /// The name a `macro_rules! name { .. }` defines.
    pub ident: Option<String>,
    pub tokens: String,
    pub span: Span,
}

/// A `use` leaf: `use sqlx::query as q;` is `path = [sqlx, query]`, `alias = Some(q)`.
#[derive(Clone, Debug)]
pub struct UseItem {
    pub path: Vec<String>,
    pub alias: Option<String>,
    pub glob: bool,
}
