//! Finds the SQL a Rust file hands to a database and rebuilds its text.

use crate::facts::workspace::Workspace;
use crate::ir::is_const_name;
use crate::ir::*;
use crate::model::RustFile;
use crate::semantic::settings::SqlDialect;
use crate::source::SourceFile;
use crate::span::Span;
use crate::sql::{looks_like_sql, SqlOrigin, SqlSite, SqlText};
use std::collections::HashMap;
use std::path::Path as FsPath;

/// sqlx macros: (name, index of the SQL argument, whether that argument is a file path).
const SQLX_MACROS: &[(&str, usize, bool)] = &[
    ("query", 0, false),
    ("query_unchecked", 0, false),
    ("query_scalar", 0, false),
    ("query_scalar_unchecked", 0, false),
    ("query_as", 1, false),
    ("query_as_unchecked", 1, false),
    ("query_file", 0, true),
    ("query_file_unchecked", 0, true),
    ("query_file_scalar", 0, true),
    ("query_file_scalar_unchecked", 0, true),
    ("query_file_as", 1, true),
    ("query_file_as_unchecked", 1, true),
];

/// Functions that take SQL text: (name, index of the SQL argument).
const SQL_FUNCTIONS: &[(&str, usize)] = &[
    ("query", 0),
    ("query_as", 0),
    ("query_scalar", 0),
    ("query_with", 0),
    ("query_as_with", 0),
    ("query_scalar_with", 0),
    ("raw_sql", 0),
    ("sql_query", 0),
    ("from_string", 1),
    ("from_sql_and_values", 1),
];

/// Methods whose first argument is SQL text on tokio-postgres / deadpool / bb8 clients,
/// sqlx executors, rusqlite connections and mysql connections.
const SQL_METHODS: &[&str] = &[
    "query",
    "query_one",
    "query_opt",
    "query_raw",
    "execute",
    "prepare",
    "prepare_cached",
    "simple_query",
    "batch_execute",
    "execute_batch",
    "query_row",
    "query_map",
    "fetch_one",
    "fetch_all",
    "fetch_optional",
    "exec",
    "exec_drop",
    "exec_first",
    "exec_map",
    "exec_iter",
    "query_drop",
    "query_first",
    "query_iter",
];

/// How deep const and binding resolution may recurse.
const MAX_RESOLVE_DEPTH: u32 = 8;

/// What [`extract`] finds in a file.
pub(crate) struct Extracted {
    pub sites: Vec<SqlSite>,
    /// Sinks whose text is not known statically.
    pub unresolved: usize,
    /// `query_file!` arguments naming a file that cannot be read, with why.
    pub unreadable: Vec<(Span, String)>,
}

/// The SQL sites of a file, and the sinks whose text could not be had.
pub(crate) fn extract(source: &SourceFile, file: &RustFile, ws: &Workspace) -> Extracted {
    let dialect = file_dialect(file, ws);
    let mut sites = Vec::new();
    let mut unresolved = 0;
    let mut unreadable = Vec::new();
    let resolver = Resolver {
        source,
        file,
        ws,
        budget: Budget::default(),
        refused_includes: Default::default(),
    };
    for &(id, function) in &file.calls {
        let expr = file.expr(id);
        let found = match &expr.kind {
            ExprKind::Macro(m) => {
                resolver.macro_site(m, function, &mut unresolved, &mut unreadable)
            }
            ExprKind::Call { func, args } => match &file.expr(*func).kind {
                ExprKind::Path(p) => resolver.function_site(p, args, function, &mut unresolved),
                _ => None,
            },
            ExprKind::MethodCall { method, args, .. }
                if SQL_METHODS.contains(&method.name.as_str()) =>
            {
                resolver
                    .text_arg(args.first().copied(), function)
                    .filter(|t| looks_like_sql(&t.text))
                    .map(|t| {
                        (
                            SqlOrigin::Method(method.name.clone()),
                            t,
                            method_params(file, args),
                        )
                    })
            }
            _ => None,
        };
        if let Some((origin, text, binds)) = found {
            let mut site = SqlSite::new(origin, expr.span, text, dialect);
            site.call = Some(id);
            site.function = function;
            site.binds = binds;
            resolver
                .budget
                .charge(site.statements.len() as u64 * STATEMENT_COST);
            sites.push(site);
        }
        unreadable.extend(resolver.budget.take_refused().map(|why| (expr.span, why)));
    }
    attach_chained_binds(file, &mut sites);
    for &(id, function) in &file.calls {
        if let Some(site) = resolver.query_builder_site(id, function, dialect) {
            resolver
                .budget
                .charge(site.statements.len() as u64 * STATEMENT_COST);
            sites.push(site);
        }
        unreadable.extend(
            resolver
                .budget
                .take_refused()
                .map(|why| (file.expr(id).span, why)),
        );
    }
    unreadable.append(&mut resolver.refused_includes.borrow_mut());
    source.work.charge(resolver.budget.spent.get());
    Extracted {
        sites,
        unresolved,
        unreadable,
    }
}

/// The dialect of a file's SQL: the configured one, else what its imports say.
fn file_dialect(file: &RustFile, ws: &Workspace) -> SqlDialect {
    if let Some(d) = ws.config.sql_dialect {
        return d;
    }
    let uses = |krate: &str| {
        file.uses
            .iter()
            .any(|u| u.path.first().is_some_and(|p| p == krate))
    };
    if uses("rusqlite") {
        SqlDialect::Sqlite
    } else if uses("mysql") || uses("mysql_async") {
        SqlDialect::Mysql
    } else {
        SqlDialect::Postgres
    }
}

/// tokio-postgres `&[&a, &b]`, rusqlite `params![a, b]` / `(a, b)`, mysql `(a, b)`.
fn method_params(file: &RustFile, args: &[ExprId]) -> Vec<ExprId> {
    let Some(&params) = args.get(1) else {
        return Vec::new();
    };
    match &file.expr(file.strip(params)).kind {
        ExprKind::Array(items) | ExprKind::Tuple(items) => items.clone(),
        ExprKind::Macro(m) => match &m.args {
            MacroArgs::List(list) => list.iter().map(|a| a.expr).collect(),
            _ => Vec::new(),
        },
        _ => vec![params],
    }
}

/// `sqlx::query(..).bind(a).bind(b)`: binds written after the call, in order.
fn attach_chained_binds(file: &RustFile, sites: &mut [SqlSite]) {
    for &(id, _) in &file.calls {
        let ExprKind::MethodCall {
            receiver,
            method,
            args,
            ..
        } = &file.expr(id).kind
        else {
            continue;
        };
        if method.name != "bind" || args.len() != 1 {
            continue;
        }
        let mut root = *receiver;
        while let ExprKind::MethodCall {
            receiver, method, ..
        } = &file.expr(root).kind
        {
            if method.name != "bind" {
                break;
            }
            root = *receiver;
        }
        if let Some(site) = sites.iter_mut().find(|s| s.call == Some(root)) {
            site.binds.push(args[0]);
        }
    }
    for site in sites.iter_mut() {
        site.binds.sort_by_key(|b| file.expr(*b).span.start);
    }
}

pub(crate) struct Resolver<'a> {
    pub source: &'a SourceFile,
    pub file: &'a RustFile,
    pub ws: &'a Workspace,
    pub budget: Budget,
    /// `include_str!` arguments that were refused (outside the tree, not a regular file, too
    /// large), with why.
    refused_includes: std::cell::RefCell<Vec<(Span, String)>>,
}

/// The longest SQL text rebuilt for one call: past it the call is reported and skipped.
const MAX_SQL_TEXT_BYTES: usize = 4 << 20;
/// Work units one file may spend rebuilding SQL text: a byte copied is one, resolving an
/// expression is [`RESOLVE_COST`]. Counted, not timed, so results do not depend on the machine.
/// Real files spend well under a hundredth of it.
const FILE_WORK_UNITS: u64 = 16 << 20;
const RESOLVE_COST: u64 = 64;
/// A parsed statement costs about as much as copying this many bytes (it takes ~18 KB).
const STATEMENT_COST: u64 = 1024;

/// The per-file work budget of SQL text rebuilding, and the files `include_str!` read (once
/// each, by canonical path).
#[derive(Default)]
pub(crate) struct Budget {
    spent: std::cell::Cell<u64>,
    /// Why the last text was refused, until the extractor reports it.
    refused: std::cell::Cell<Option<String>>,
    included: std::cell::RefCell<HashMap<std::path::PathBuf, Option<std::rc::Rc<str>>>>,
}

impl Budget {
    /// Spends `units`; false once the budget is gone (refusing the text that went past it).
    fn charge(&self, units: u64) -> bool {
        let before = self.spent.get();
        if before > FILE_WORK_UNITS {
            return false;
        }
        self.spent.set(before.saturating_add(units));
        if self.spent.get() > FILE_WORK_UNITS {
            self.refused.set(Some(format!(
                "rebuilding the SQL text of this file went past its work budget ({} Mi units: \
                 bytes copied, {RESOLVE_COST} per expression resolved, {STATEMENT_COST} per statement \
                 parsed); this call and the \
                 SQL after it in the file were not analysed",
                FILE_WORK_UNITS >> 20
            )));
            return false;
        }
        true
    }

    fn refuse_length(&self, len: usize) {
        self.refused.set(Some(format!(
            "the SQL text rebuilt for this call is {} MiB, over the {} MiB limit; it was not \
             analysed",
            len >> 20,
            MAX_SQL_TEXT_BYTES >> 20
        )));
    }

    /// Why a text was refused since the last call, if one was.
    fn take_refused(&self) -> Option<String> {
        self.refused.take()
    }

    /// What an earlier `include_str!` of the same file (by canonical path) read, if any did.
    fn included(&self, path: &FsPath) -> Option<Option<std::rc::Rc<str>>> {
        let key = std::fs::canonicalize(path).ok()?;
        self.included.borrow().get(&key).cloned()
    }

    fn remember(&self, path: &FsPath, contents: Option<std::rc::Rc<str>>) {
        if let Ok(key) = std::fs::canonicalize(path) {
            self.included.borrow_mut().insert(key, contents);
        }
    }
}

type Found = (SqlOrigin, SqlText, Vec<ExprId>);

impl Resolver<'_> {
    fn macro_site(
        &self,
        m: &MacroCall,
        function: Option<FnId>,
        unresolved: &mut usize,
        unreadable: &mut Vec<(Span, String)>,
    ) -> Option<Found> {
        let name = m.path.last();
        let &(_, index, is_file) = SQLX_MACROS.iter().find(|(n, _, _)| *n == name)?;
        if m.path.segments.len() > 1 && !m.path.segments.iter().any(|s| s == "sqlx") {
            return None;
        }
        let MacroArgs::List(args) = &m.args else {
            return None;
        };
        let arg = args.get(index)?;
        let binds = args[index + 1..].iter().map(|a| a.expr).collect();
        let text = if is_file {
            let rel = self.file.str_lit(arg.expr)?;
            let path = crate_dir(&self.source.path).join(&rel.value);
            let contents = match self.read_included(&path) {
                Ok(contents) => contents,
                Err(e) => {
                    unreadable.push((
                        self.file.expr(arg.expr).span,
                        format!(
                            "the SQL file `{}` (relative to the crate root): {e}",
                            rel.value
                        ),
                    ));
                    return None;
                }
            };
            let mut t = SqlText::default();
            t.push_elsewhere(&contents, self.file.expr(arg.expr).span);
            t
        } else {
            let Some(t) = self.text(arg.expr, function, 0) else {
                *unresolved += 1;
                return None;
            };
            if m.path.segments.len() == 1 && !looks_like_sql(&t.text) {
                return None;
            }
            t
        };
        Some((SqlOrigin::Macro(m.path.joined()), text, binds))
    }

    fn function_site(
        &self,
        p: &Path,
        args: &[ExprId],
        function: Option<FnId>,
        unresolved: &mut usize,
    ) -> Option<Found> {
        let &(name, index) = SQL_FUNCTIONS.iter().find(|(n, _)| *n == p.last())?;
        let qualified = p
            .segments
            .iter()
            .any(|s| s == "sqlx" || s == "diesel" || s == "Statement");
        let imported = self.file.uses.iter().any(|u| {
            u.path.last().is_some_and(|l| l == name)
                && u.path
                    .first()
                    .is_some_and(|k| k == "sqlx" || k == "diesel" || k == "sea_orm")
        });
        if p.segments.len() > 1 && !qualified {
            return None;
        }
        let Some(text) = self.text_arg(args.get(index).copied(), function) else {
            if qualified || imported {
                *unresolved += 1;
            }
            return None;
        };
        if !(qualified || imported || looks_like_sql(&text.text)) {
            return None;
        }
        Some((SqlOrigin::Function(p.joined()), text, Vec::new()))
    }

    fn text_arg(&self, arg: Option<ExprId>, function: Option<FnId>) -> Option<SqlText> {
        self.text(arg?, function, 0)
    }

    /// Rebuilds the text of a string-valued expression. `None` when it is not known statically
    /// (a parameter, a call): such SQL is dynamic and not analysed.
    pub fn text(&self, id: ExprId, function: Option<FnId>, depth: u32) -> Option<SqlText> {
        if depth > MAX_RESOLVE_DEPTH || !self.budget.charge(RESOLVE_COST) {
            return None;
        }
        let t = self.text_unbudgeted(id, function, depth)?;
        // Each level copies what it returns: charge it, so texts that use a fragment many
        // times over (`format!("{q}{q}{q}")` of `format!("{p}{p}{p}")` ..) stop at the budget.
        if t.text.len() > MAX_SQL_TEXT_BYTES {
            self.budget.refuse_length(t.text.len());
            return None;
        }
        self.budget.charge(t.text.len() as u64).then_some(t)
    }

    fn text_unbudgeted(&self, id: ExprId, function: Option<FnId>, depth: u32) -> Option<SqlText> {
        let file = self.file;
        let expr = file.expr(file.strip(id));
        match &expr.kind {
            ExprKind::Lit(Lit::Str(s)) => {
                let mut t = SqlText::default();
                t.push_literal(&s.value, s.content_start, s.raw);
                Some(t)
            }
            ExprKind::Macro(m) => self.macro_text(m, expr.span, function, depth),
            ExprKind::Path(p) if p.segments.len() == 1 => {
                let name = &p.segments[0];
                if let Some((f, init)) = function.and_then(|f| {
                    crate::flow::reaching_let(file, f, name, expr.span.start).map(|i| (f, i))
                }) {
                    let mut t = self.text(init, function, depth + 1)?;
                    let from = file.expr(init).span.end;
                    self.append_pushes(&mut t, f, name, from, expr.span.start, depth);
                    return Some(t);
                }
                self.const_text(name, expr.span)
            }
            ExprKind::Path(p) => self.const_text(p.last(), expr.span),
            ExprKind::Call { func, args } => match &file.expr(*func).kind {
                // String::from("..."), String::from(CONST)
                ExprKind::Path(p) if p.ends_with(&["String", "from"]) && args.len() == 1 => {
                    self.text(args[0], function, depth + 1)
                }
                _ => None,
            },
            ExprKind::Binary {
                op: BinOp::Add,
                lhs,
                rhs,
            } => {
                let mut t = self.text(*lhs, function, depth + 1)?;
                let r = self
                    .text(*rhs, function, depth + 1)
                    .unwrap_or_else(|| hole(Some(*rhs), file.expr(*rhs).span));
                t.append(r);
                Some(t)
            }
            _ => None,
        }
    }

    /// Appends what `name.push_str(..)` and `name += ..` add between two offsets of a function,
    /// in source order; values not known statically become holes.
    fn append_pushes(
        &self,
        t: &mut SqlText,
        function: FnId,
        name: &str,
        from: u32,
        to: u32,
        depth: u32,
    ) {
        let file = self.file;
        let mut pushed: Vec<(u32, ExprId)> = Vec::new();
        file.walk_block(&file.function(function).body, &mut |id| {
            let e = file.expr(id);
            if e.span.start < from || e.span.end > to {
                return;
            }
            match &e.kind {
                ExprKind::MethodCall {
                    receiver,
                    method,
                    args,
                    ..
                } if method.name == "push_str"
                    && args.len() == 1
                    && file.as_ident(*receiver) == Some(name) =>
                {
                    pushed.push((e.span.start, args[0]));
                }
                ExprKind::Assign {
                    lhs,
                    rhs,
                    compound: Some(BinOp::Add),
                } if file.as_ident(*lhs) == Some(name) => pushed.push((e.span.start, *rhs)),
                _ => {}
            }
        });
        pushed.sort_by_key(|(at, _)| *at);
        for (_, value) in pushed {
            let piece = self
                .text(value, Some(function), depth + 1)
                .unwrap_or_else(|| hole(Some(value), file.expr(value).span));
            t.append(piece);
        }
    }

    /// `let mut qb = QueryBuilder::new("..")` followed by `qb.push(..)`, `qb.push_bind(..)` and
    /// `qb.separated(..)` pushes: the statement rebuilt, binds as placeholders, non-literal
    /// pushes as holes. The site is the `build*()` call when there is one.
    fn query_builder_site(
        &self,
        id: ExprId,
        function: Option<FnId>,
        dialect: SqlDialect,
    ) -> Option<SqlSite> {
        let file = self.file;
        let ExprKind::Call { func, args } = &file.expr(id).kind else {
            return None;
        };
        let ExprKind::Path(p) = &file.expr(*func).kind else {
            return None;
        };
        if !p.ends_with(&["QueryBuilder", "new"]) || args.len() != 1 {
            return None;
        }
        let function = function?;
        let mut builder = None;
        crate::flow::visit_lets(file, &file.function(function).body, &mut |pat, init, _| {
            if init.is_some_and(|i| file.strip(i) == id) {
                if let PatKind::Ident { name, .. } = &file.pat(pat).kind {
                    builder = Some(name.clone());
                }
            }
        });
        let builder = builder?;
        let mut text = self
            .text(args[0], Some(function), 0)
            .unwrap_or_else(|| hole(Some(args[0]), file.expr(args[0]).span));
        // Method calls on the builder (or a `separated` view of it), by method position.
        let mut separated: Vec<(String, Option<SqlText>)> = Vec::new();
        crate::flow::visit_lets(file, &file.function(function).body, &mut |pat, init, _| {
            let Some(init) = init else { return };
            if let ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } = &file.expr(file.strip(init)).kind
            {
                if method.name == "separated" && self.chain_root(*receiver) == Some(&builder) {
                    if let PatKind::Ident { name, .. } = &file.pat(pat).kind {
                        let sep = args.first().and_then(|a| self.text(*a, Some(function), 0));
                        separated.push((name.clone(), sep));
                    }
                }
            }
        });
        let mut ops: Vec<(u32, ExprId)> = file
            .calls
            .iter()
            .filter(|(c, f)| *f == Some(function) && *c != id)
            .filter_map(|&(c, _)| match &file.expr(c).kind {
                ExprKind::MethodCall { method, .. } => Some((method.span.start, c)),
                _ => None,
            })
            .filter(|(at, _)| *at > file.expr(id).span.end)
            .collect();
        ops.sort_by_key(|(at, _)| *at);
        let mut binds = Vec::new();
        let mut call = id;
        let mut call_span = file.expr(id).span;
        let mut started: Vec<bool> = vec![false; separated.len()];
        for (_, c) in ops {
            let ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } = &file.expr(c).kind
            else {
                continue;
            };
            let Some(root) = self.chain_root(*receiver) else {
                continue;
            };
            let sep_index = separated.iter().position(|(n, _)| n == root);
            if root != builder && sep_index.is_none() {
                continue;
            }
            if let Some(i) = sep_index {
                if matches!(method.name.as_str(), "push" | "push_bind") {
                    if started.get(i).copied().unwrap_or(false) {
                        if let Some((_, Some(sep))) = separated.get(i) {
                            text.append(sep.clone());
                        }
                    }
                    if let Some(s) = started.get_mut(i) {
                        *s = true;
                    }
                }
            }
            match (method.name.as_str(), args.first()) {
                ("push" | "push_unseparated", Some(&arg)) => {
                    let piece = self
                        .text(arg, Some(function), 0)
                        .unwrap_or_else(|| hole(Some(arg), file.expr(arg).span));
                    text.append(piece);
                }
                ("push_bind" | "push_bind_unseparated", Some(&arg)) => {
                    binds.push(arg);
                    let placeholder = match dialect {
                        SqlDialect::Postgres => format!("${}", binds.len()),
                        _ => "?".to_string(),
                    };
                    let mut t = SqlText::default();
                    t.push_elsewhere(&placeholder, file.expr(arg).span);
                    text.append(t);
                }
                ("build" | "build_query_as" | "build_query_scalar" | "sql" | "into_sql", _)
                    if root == builder =>
                {
                    call = c;
                    call_span = file.expr(c).span;
                }
                _ => {}
            }
        }
        if !looks_like_sql(&text.text) {
            return None;
        }
        let mut site = SqlSite::new(
            SqlOrigin::Function("QueryBuilder".into()),
            call_span,
            text,
            dialect,
        );
        site.call = Some(call);
        site.function = Some(function);
        site.binds = binds;
        Some(site)
    }

    /// The binding a method chain starts from: `qb` in `qb.push(..).push_bind(..)`.
    fn chain_root(&self, mut id: ExprId) -> Option<&str> {
        loop {
            match &self.file.expr(id).kind {
                ExprKind::MethodCall { receiver, .. } => id = *receiver,
                _ => return self.file.as_ident(id),
            }
        }
    }

    fn const_text(&self, name: &str, use_span: crate::span::Span) -> Option<SqlText> {
        // A const of this file keeps its literal's offsets; one from elsewhere maps to the use.
        if let Some(c) = self.file.consts.iter().find(|c| c.name.name == name) {
            return self.text(c.value, None, MAX_RESOLVE_DEPTH - 2);
        }
        let value = self.ws.const_string(name)?;
        let mut t = SqlText::default();
        t.push_elsewhere(value, use_span);
        Some(t)
    }

    /// A file an `include_str!` or `query_file!` names: inside the workspace root, regular, under
    /// the size cap; a byte-order mark is dropped.
    fn read_included(&self, path: &FsPath) -> Result<String, crate::safe_read::Refusal> {
        let boundary = crate::safe_read::Boundary::new(&self.ws.root);
        let text = crate::safe_read::read_text(path, Some(&boundary))?;
        Ok(match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        })
    }

    fn macro_text(
        &self,
        m: &MacroCall,
        span: crate::span::Span,
        function: Option<FnId>,
        depth: u32,
    ) -> Option<SqlText> {
        let MacroArgs::List(args) = &m.args else {
            return None;
        };
        match m.path.last() {
            "concat" => {
                let mut t = SqlText::default();
                for a in args {
                    t.append(self.text(a.expr, function, depth + 1)?);
                }
                Some(t)
            }
            "include_str" => {
                let rel = self.file.str_lit(args.first()?.expr)?;
                let dir = self.source.path.parent()?;
                let path = dir.join(&rel.value);
                let contents = match self.budget.included(&path) {
                    Some(known) => known?,
                    None => {
                        let read = match self.read_included(&path) {
                            Ok(contents) => Some(std::rc::Rc::<str>::from(contents)),
                            Err(crate::safe_read::Refusal::Io(_)) => None,
                            Err(refused) => {
                                self.refused_includes.borrow_mut().push((
                                    span,
                                    format!(
                                        "`include_str!(\"{}\")` was not read: {refused}",
                                        rel.value
                                    ),
                                ));
                                return None;
                            }
                        };
                        self.budget.remember(&path, read.clone());
                        read?
                    }
                };
                let mut t = SqlText::default();
                t.includes_migration = crate::schema::in_migrations_folder(&rel.value);
                t.push_elsewhere(&contents, span);
                Some(t)
            }
            "format" => self.format_text(args, function, depth),
            _ => None,
        }
    }

    /// A `format!` template with its holes: known consts and literal arguments are inlined,
    /// anything else becomes a hole standing for an opaque value.
    fn format_text(
        &self,
        args: &[MacroArg],
        function: Option<FnId>,
        depth: u32,
    ) -> Option<SqlText> {
        let template = self.file.str_lit(args.first()?.expr)?;
        let positional: Vec<&MacroArg> = args[1..].iter().filter(|a| a.name.is_none()).collect();
        let mut t = SqlText::default();
        let mut next_implicit = 0;
        for piece in crate::format::parse_template(&template.value) {
            match piece {
                crate::format::Piece::Text { value, start } => {
                    let file_start = crate::sql::map_literal_offset(
                        &self.source.text,
                        template.content_start,
                        template.raw,
                        start as u32,
                    );
                    // `{{` in the template is `{` in the text: map the piece to its first source byte.
                    if value.is_empty() {
                        continue;
                    }
                    if template.raw || !value.contains(['{', '}']) {
                        t.push_literal(&value, file_start, template.raw);
                    } else {
                        let start = file_start as usize;
                        let first_char = self
                            .source
                            .text
                            .get(start..)
                            .and_then(|rest| rest.chars().next())
                            .map_or(0, char::len_utf8);
                        t.push_elsewhere(&value, Span::new(start, start + first_char));
                    }
                }
                crate::format::Piece::Hole { arg, start, end } => {
                    // `{base}` capturing a local binding that holds SQL text: inline it.
                    let captured = match &arg {
                        crate::format::HoleArg::Named(n)
                            if !args[1..]
                                .iter()
                                .any(|a| a.name.as_ref().is_some_and(|x| &x.name == n)) =>
                        {
                            let template_span = self.file.expr(args[0].expr).span;
                            let local = function
                                .and_then(|f| {
                                    crate::flow::reaching_let(self.file, f, n, template_span.start)
                                })
                                .and_then(|init| self.text(init, function, depth + 1));
                            local.or_else(|| {
                                is_const_name(n)
                                    .then(|| self.const_text(n, template_span))
                                    .flatten()
                            })
                        }
                        _ => None,
                    };
                    if let Some(text) = captured {
                        t.append(text);
                        continue;
                    }
                    let expr = match arg {
                        crate::format::HoleArg::Next => {
                            let e = positional.get(next_implicit).map(|a| a.expr);
                            next_implicit += 1;
                            e
                        }
                        crate::format::HoleArg::Index(i) => positional.get(i).map(|a| a.expr),
                        crate::format::HoleArg::Named(ref n) => args[1..]
                            .iter()
                            .find(|a| a.name.as_ref().is_some_and(|x| &x.name == n))
                            .map(|a| a.expr),
                    };
                    let hole_span = match expr {
                        Some(e) => self.file.expr(e).span,
                        None => {
                            let a = crate::sql::map_literal_offset(
                                &self.source.text,
                                template.content_start,
                                template.raw,
                                start as u32,
                            );
                            let b = crate::sql::map_literal_offset(
                                &self.source.text,
                                template.content_start,
                                template.raw,
                                end as u32,
                            );
                            crate::span::Span::new(a as usize, b as usize)
                        }
                    };
                    // A const or literal argument is part of the text, not a runtime value.
                    let inlined =
                        expr.and_then(|e| match &self.file.expr(self.file.strip(e)).kind {
                            ExprKind::Lit(Lit::Str(_)) => self.text(e, function, depth + 1),
                            ExprKind::Path(p)
                                if p.segments.last().is_some_and(|s| is_const_name(s)) =>
                            {
                                self.text(e, function, depth + 1)
                            }
                            _ => None,
                        });
                    // A local binding holding SQL text (a fragment built earlier) keeps its
                    // pieces, holes included.
                    let local = expr
                        .filter(|&e| inlined.is_none() && self.file.as_ident(e).is_some())
                        .and_then(|e| self.text(e, function, depth + 1));
                    if let Some(text) = local {
                        t.append(text);
                        continue;
                    }
                    match inlined {
                        Some(text) => {
                            let mut elsewhere = SqlText::default();
                            elsewhere.push_elsewhere(&text.text, hole_span);
                            t.append(elsewhere);
                        }
                        None => {
                            t.push_hole(expr, hole_span);
                        }
                    }
                }
            }
        }
        Some(t)
    }
}

fn hole(expr: Option<ExprId>, span: crate::span::Span) -> SqlText {
    let mut t = SqlText::default();
    t.push_hole(expr, span);
    t
}

/// The directory of the crate a source file belongs to (its nearest `Cargo.toml`), which is
/// what `query_file!` paths are relative to.
fn crate_dir(file: &FsPath) -> &FsPath {
    let parent = file.parent().unwrap_or(file);
    parent
        .ancestors()
        .find(|d| d.join("Cargo.toml").is_file())
        .unwrap_or(parent)
}
