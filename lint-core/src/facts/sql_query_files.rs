//! Named queries of `.sql` query files and the Rust code that runs them. A query file names
//! each statement with an annotation line (`--! all_jobs`, as cornucopia reads them), and the
//! code generated for it is called as `<file stem>::<name>` (or with a one-word verb before the
//! name, `<file stem>::fetch_<name>`). The functions that make those calls tell whether a client
//! picks the statement's rows, as for SQL written in Rust.

use crate::client_reach::{describe_fn, function_rows, ClientReach, RowChoice};
use crate::facts::workspace::AnalyzedFile;
use crate::ir::{ExprId, ExprKind};
use crate::semantic::callgraph::{CallGraph, FnRef};
use crate::sql::{SqlOrigin, SqlSite};
use std::collections::HashMap;

/// The annotation that names the statement starting in `text[from..to]`: the first `--!` line
/// there (`--! name (param?) : Row`), its first word.
pub fn query_name(text: &str, from: usize, to: usize) -> Option<String> {
    let window = text.get(from..to.min(text.len()))?;
    let line = window
        .lines()
        .map(str::trim_start)
        .find_map(|l| l.strip_prefix("--!"))?;
    let name: String = line
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The names of a query file's statements, in order (`None` for one without an annotation).
pub fn statement_names(site: &SqlSite) -> Vec<Option<String>> {
    let mut from = 0;
    site.statements
        .iter()
        .map(|s| {
            let name = query_name(&site.text.text, from, s.end as usize);
            from = s.end as usize;
            name
        })
        .collect()
}

/// Who picks the rows of each named query, from the functions that call its generated code.
#[derive(Debug, Default)]
pub struct QueryCallers {
    rows: HashMap<(String, String), RowChoice>,
}

impl QueryCallers {
    /// The rows of query `name` of the query file at `file`, when some Rust code calls it.
    pub fn rows(&self, file: &str, name: &str) -> Option<&RowChoice> {
        self.rows.get(&(file.to_string(), name.to_string()))
    }

    pub fn build(files: &[AnalyzedFile], graph: &CallGraph, reach: &ClientReach) -> QueryCallers {
        // Query file stem → (path, query names).
        let mut by_stem: HashMap<String, Vec<(String, Vec<String>)>> = HashMap::new();
        for file in files {
            for site in file
                .sql_sites
                .iter()
                .filter(|s| matches!(s.origin, SqlOrigin::File { migration: false }))
            {
                let names: Vec<String> = statement_names(site).into_iter().flatten().collect();
                if names.is_empty() {
                    continue;
                }
                let rel = &file.source.rel_path;
                let stem = rel
                    .rsplit('/')
                    .next()
                    .unwrap_or(rel)
                    .trim_end_matches(".sql")
                    .to_string();
                by_stem.entry(stem).or_default().push((rel.clone(), names));
            }
        }
        let mut callers = QueryCallers::default();
        if by_stem.is_empty() {
            return callers;
        }
        for (i, file) in files.iter().enumerate() {
            let Some(rust) = &file.rust else { continue };
            for &(call, function) in &rust.calls {
                let (Some(function), Some((module, callee))) = (function, path_call(rust, call))
                else {
                    continue;
                };
                for (rel, names) in by_stem.get(module).into_iter().flatten() {
                    let Some(name) = called_query(names, callee) else {
                        continue;
                    };
                    let caller = FnRef {
                        file: i,
                        func: function,
                    };
                    let rows = if handed_off(file, call) {
                        RowChoice::Server
                    } else {
                        caller_rows(files, graph, reach, caller)
                    };
                    let slot = callers
                        .rows
                        .entry((rel.clone(), name.to_string()))
                        .or_insert(RowChoice::Server);
                    if rank(&rows) > rank(slot) {
                        *slot = rows;
                    }
                }
            }
        }
        callers
    }
}

/// `module::function(..)`: the last two segments of a called path.
fn path_call(rust: &crate::model::RustFile, call: ExprId) -> Option<(&str, &str)> {
    let ExprKind::Call { func, .. } = &rust.expr(call).kind else {
        return None;
    };
    let ExprKind::Path(path) = &rust.expr(*func).kind else {
        return None;
    };
    match path.segments.as_slice() {
        [.., module, function] => Some((module.as_str(), function.as_str())),
        _ => None,
    }
}

/// The query a generated function runs: the one of its name, else the one its name gives after
/// a one-word verb (`fetch_all_jobs` runs `all_jobs`).
fn called_query<'a>(names: &'a [String], callee: &str) -> Option<&'a str> {
    names
        .iter()
        .find(|n| n.as_str() == callee)
        .or_else(|| {
            let (_, rest) = callee.split_once('_')?;
            names.iter().find(|n| n.as_str() == rest)
        })
        .map(String::as_str)
}

/// Who picks the rows when `caller` runs a named query: a client value it handles, else every
/// request of an entry point whose calls reach it (the generated code is not in the tree, so
/// the values it passes are not followed further), else the server. A trait method's impl
/// is judged by the call graph's calls through the trait; one it sees no call of keeps the
/// trait's callers unknown.
fn caller_rows(
    files: &[AnalyzedFile],
    graph: &CallGraph,
    reach: &ClientReach,
    caller: FnRef,
) -> RowChoice {
    let file = &files[caller.file];
    let rows = function_rows(file, reach, caller.func);
    match rows {
        RowChoice::Server | RowChoice::Unknown | RowChoice::Dispatched(_) => {}
        rows => return rows,
    }
    let Some(path) = request_path(files, graph, caller) else {
        let unseen = graph.entry(caller).is_none() && graph.callers(caller).next().is_none();
        return match rows {
            RowChoice::Dispatched(_) if unseen => rows,
            _ => RowChoice::Server,
        };
    };
    let described: Vec<String> = path
        .iter()
        .filter_map(|f| Some(describe_fn(files.get(f.file)?, f.func)))
        .collect();
    RowChoice::Request(described.join(" → "))
}

/// A request path from an entry point to `target` (entry first) whose calls all run while the
/// request is served: a call inside work handed off to run on its own (a spawned task) starts
/// no request path.
fn request_path(files: &[AnalyzedFile], graph: &CallGraph, target: FnRef) -> Option<Vec<FnRef>> {
    let mut next: HashMap<FnRef, FnRef> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([(target, 0)]);
    let mut seen = std::collections::HashSet::from([target]);
    while let Some((f, depth)) = queue.pop_front() {
        if graph.entry(f).is_some() {
            let mut path = vec![f];
            while let Some(n) = next.get(path.last()?) {
                path.push(*n);
            }
            return Some(path);
        }
        if depth == crate::semantic::callgraph::MAX_PATH_DEPTH {
            continue;
        }
        for e in graph.callers(f) {
            let inline = files
                .get(e.caller.file)
                .is_some_and(|file| !handed_off(file, e.site));
            if inline && seen.insert(e.caller) {
                next.insert(e.caller, f);
                queue.push_back((e.caller, depth + 1));
            }
        }
    }
    None
}

/// Whether a call sits in work its function hands off instead of running it: an `async` block
/// or a closure given, not awaited, to a task-spawning call (a name with the word `spawn`, as
/// in tokio, std, async-std, smol and rayon: `tokio::spawn(async move { .. })`,
/// `set.spawn(..)`, `spawn_blocking(|| ..)`). `Box::pin(async { .. })` and
/// `timeout(d, async { .. }).await` run for the request.
fn handed_off(file: &AnalyzedFile, call: ExprId) -> bool {
    let Some(rust) = &file.rust else { return false };
    let at = rust.expr(call).span;
    let text = &file.source.text;
    let awaited = |id: ExprId| {
        rust.exprs
            .iter()
            .any(|e| matches!(e.kind, ExprKind::Await(inner) if inner == id))
    };
    rust.calls.iter().any(|&(outer, _)| {
        let (name, args) = match &rust.expr(outer).kind {
            ExprKind::Call { func, args } => match &rust.expr(*func).kind {
                ExprKind::Path(p) => (p.last(), args),
                _ => return false,
            },
            ExprKind::MethodCall { method, args, .. } => (method.name.as_str(), args),
            _ => return false,
        };
        args.iter().any(|&a| {
            let arg = rust.expr(a);
            let contains = arg.span.start <= at.start && at.end <= arg.span.end && a != call;
            let task = match &arg.kind {
                ExprKind::Block(_) => text
                    .get(arg.span.start as usize..)
                    .is_some_and(|t| t.starts_with("async")),
                ExprKind::Closure { .. } => true,
                _ => false,
            };
            contains && task
        }) && spawns(name)
            && !awaited(outer)
    })
}

fn spawns(name: &str) -> bool {
    name.split('_').any(|w| w == "spawn")
}

/// Which of two callers' answers a statement keeps: a client path wins over everything.
fn rank(rows: &RowChoice) -> u8 {
    match rows {
        RowChoice::Server => 0,
        RowChoice::Settled(_) => 1,
        RowChoice::Checked(_) => 2,
        RowChoice::Dispatched(_) => 3,
        RowChoice::Unknown => 4,
        RowChoice::Request(_) => 5,
        RowChoice::Client(_) => 6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_annotations() {
        let text =
            "--! all_jobs : Job(state?)\nSELECT 1;\n\n--! update_job (x?)\nUPDATE t SET x = 1;";
        assert_eq!(query_name(text, 0, 30), Some("all_jobs".into()));
        assert_eq!(query_name(text, 36, text.len()), Some("update_job".into()));
        assert_eq!(query_name("SELECT 1", 0, 8), None);
        let names = ["all_jobs".to_string(), "jobs".to_string()];
        assert_eq!(called_query(&names, "fetch_all_jobs"), Some("all_jobs"));
        assert_eq!(called_query(&names, "all_jobs"), Some("all_jobs"));
        assert_eq!(called_query(&names, "jobs"), Some("jobs"));
        assert_eq!(called_query(&names, "other"), None);
    }
}
