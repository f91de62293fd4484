//! SQL text as the database will see it, where each piece of it came from, and its parse.
//!
//! Embedded SQL is rebuilt from literals, `concat!`, consts, `include_str!`, local bindings and
//! `format!` templates. Each piece remembers its origin so that an offset in the SQL maps back
//! to the file, through escapes and raw strings. Runtime values spliced into the text become
//! holes: identifiers named `__tl_hole_N`, which parse in any position.

use crate::ir::{ExprId, FnId};
use crate::semantic::settings::SqlDialect;
use crate::span::{LineIndex, Span};
use sqlparser::ast::Statement;
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Token, Tokenizer};

/// The identifier a runtime value spliced into SQL text stands as.
pub const HOLE_PREFIX: &str = "__tl_hole_";

#[derive(Clone, Debug)]
pub enum PieceOrigin {
    /// Text from a string literal in this file.
    Literal { content_start: u32, raw: bool },
    /// Text from elsewhere (a const in another file, an included file): maps to one span here.
    Elsewhere(Span),
    /// A runtime value spliced in (a `format!` argument, a pushed expression).
    Hole { expr: Option<ExprId>, span: Span },
}

#[derive(Clone, Debug)]
pub struct SqlPiece {
    pub start: u32,
    pub end: u32,
    pub origin: PieceOrigin,
}

/// SQL text with the origin of each of its pieces.
#[derive(Clone, Debug, Default)]
pub struct SqlText {
    pub text: String,
    pub pieces: Vec<SqlPiece>,
    /// Some of the text is a file from a migrations folder (`include_str!`): a schema change
    /// the application applies itself, not one of its queries.
    pub includes_migration: bool,
    /// How many of the pieces are holes (they are numbered in order).
    hole_count: usize,
}

impl SqlText {
    pub fn push_literal(&mut self, value: &str, content_start: u32, raw: bool) {
        self.push(value, PieceOrigin::Literal { content_start, raw });
    }

    pub fn push_elsewhere(&mut self, value: &str, span: Span) {
        self.push(value, PieceOrigin::Elsewhere(span));
    }

    /// Appends a hole for a runtime value and returns its index.
    pub fn push_hole(&mut self, expr: Option<ExprId>, span: Span) -> usize {
        let index = self.hole_count;
        self.push(
            &format!("{HOLE_PREFIX}{index}"),
            PieceOrigin::Hole { expr, span },
        );
        self.hole_count += 1;
        index
    }

    fn push(&mut self, value: &str, origin: PieceOrigin) {
        let start = self.text.len() as u32;
        self.text.push_str(value);
        self.pieces.push(SqlPiece {
            start,
            end: self.text.len() as u32,
            origin,
        });
    }

    /// Appends `other`, numbering its holes after this text's so their names stay unique. Only
    /// the appended pieces are rebuilt: a chain of appends stays linear in the text.
    pub fn append(&mut self, other: SqlText) {
        self.includes_migration |= other.includes_migration;
        if other.hole_count == 0 || self.hole_count == 0 {
            let base = self.text.len() as u32;
            self.text.push_str(&other.text);
            self.hole_count += other.hole_count;
            self.pieces.extend(other.pieces.into_iter().map(|mut p| {
                p.start += base;
                p.end += base;
                p
            }));
            return;
        }
        for p in other.pieces {
            match p.origin {
                PieceOrigin::Hole { expr, span } => {
                    self.push_hole(expr, span);
                }
                origin => self.push(&other.text[p.start as usize..p.end as usize], origin),
            }
        }
    }

    pub fn holes(&self) -> impl Iterator<Item = (&SqlPiece, Option<ExprId>, Span)> {
        self.pieces.iter().filter_map(|p| match p.origin {
            PieceOrigin::Hole { expr, span } => Some((p, expr, span)),
            _ => None,
        })
    }

    pub fn has_holes(&self) -> bool {
        self.holes().next().is_some()
    }

    /// The file span of a range of the SQL text.
    pub fn file_span(&self, file_text: &str, start: u32, end: u32) -> Span {
        let a = self.map_offset(file_text, start, false);
        let b = self.map_offset(file_text, end, true);
        if b > a {
            Span::new(a as usize, b as usize)
        } else {
            // An empty range still needs something to point at: the character at `a`.
            let a = (a as usize).min(file_text.len());
            let next = file_text
                .get(a..)
                .and_then(|rest| rest.chars().next())
                .map_or(0, char::len_utf8);
            Span::new(a, a + next)
        }
    }

    fn map_offset(&self, file_text: &str, offset: u32, is_end: bool) -> u32 {
        let piece = self
            .pieces
            .iter()
            .find(|p| {
                if is_end {
                    p.start < offset && offset <= p.end
                } else {
                    p.start <= offset && offset < p.end
                }
            })
            .or(self.pieces.last());
        let Some(piece) = piece else { return 0 };
        match &piece.origin {
            PieceOrigin::Literal { content_start, raw } => {
                let within = offset.clamp(piece.start, piece.end) - piece.start;
                map_literal_offset(file_text, *content_start, *raw, within)
            }
            PieceOrigin::Elsewhere(span) | PieceOrigin::Hole { span, .. } => {
                if is_end {
                    span.end
                } else {
                    span.start
                }
            }
        }
    }
}

/// Maps a byte offset in a string literal's decoded value to the file offset of the source
/// character that produced it.
pub fn map_literal_offset(
    file_text: &str,
    content_start: u32,
    raw: bool,
    value_offset: u32,
) -> u32 {
    if raw {
        return content_start + value_offset;
    }
    let src = file_text.get(content_start as usize..).unwrap_or("");
    let mut chars = src.char_indices().peekable();
    let mut decoded = 0u32;
    while let Some((i, c)) = chars.next() {
        let continuation = c == '\\' && src[i + 1..].starts_with(['\n', '\r']);
        if decoded >= value_offset && !continuation {
            return content_start + i as u32;
        }
        if c == '"' {
            return content_start + i as u32;
        }
        if c != '\\' {
            decoded += c.len_utf8() as u32;
            continue;
        }
        match chars.next() {
            Some((_, 'x')) => {
                chars.next();
                chars.next();
                decoded += 1;
            }
            Some((_, 'u')) => {
                let mut value = String::new();
                for (_, c) in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                    if c.is_ascii_hexdigit() {
                        value.push(c);
                    }
                }
                let ch = u32::from_str_radix(&value, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('?');
                decoded += ch.len_utf8() as u32;
            }
            // A line continuation swallows the newline and the next line's indentation.
            Some((_, '\n')) | Some((_, '\r')) => {
                while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                    chars.next();
                }
            }
            Some(_) => decoded += 1,
            None => break,
        }
    }
    content_start + src.len() as u32
}

/// Where a piece of SQL was handed to the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SqlOrigin {
    /// A macro such as `sqlx::query!`.
    Macro(String),
    /// A function such as `sqlx::query` or `diesel::sql_query`.
    Function(String),
    /// A method such as tokio-postgres `client.execute`.
    Method(String),
    /// A `.sql` file: a migration or a file of named queries.
    File { migration: bool },
}

/// One statement of a site, parsed, with the offset of its text in the site's SQL.
#[derive(Debug)]
pub struct ParsedStatement {
    pub statement: Statement,
    /// Where the statement's text starts in [`SqlSite::text`].
    pub start: u32,
    pub end: u32,
    lines: LineIndex,
    chunk: String,
}

impl ParsedStatement {
    /// The offset in the site's SQL text of a sqlparser location inside this statement.
    pub fn offset_of(&self, loc: Location) -> u32 {
        if loc.line == 0 {
            return self.start;
        }
        self.start
            + self.lines.offset_of(
                &self.chunk,
                loc.line as usize,
                loc.column.saturating_sub(1) as usize,
            ) as u32
    }

    pub fn text(&self) -> &str {
        &self.chunk
    }
}

#[derive(Debug, Clone)]
pub struct SqlParseError {
    pub message: String,
    /// The range of the SQL text that did not parse.
    pub start: u32,
    pub end: u32,
}

/// SQL that reaches the database, parsed statement by statement.
#[derive(Debug)]
pub struct SqlSite {
    pub origin: SqlOrigin,
    /// The call or macro that hands the SQL over (the whole statement range for `.sql` files).
    pub call_span: Span,
    pub call: Option<ExprId>,
    pub function: Option<FnId>,
    pub text: SqlText,
    pub dialect: SqlDialect,
    pub statements: Vec<ParsedStatement>,
    pub errors: Vec<SqlParseError>,
    /// Bound values in order: `query!` arguments, `.bind(..)` calls, tokio-postgres params.
    pub binds: Vec<ExprId>,
    /// `ALTER TABLE .. FORCE ROW LEVEL SECURITY` statements, which sqlparser does not parse.
    pub force_rls: Vec<crate::rls::ForceStatement>,
}

impl SqlSite {
    pub fn new(origin: SqlOrigin, call_span: Span, text: SqlText, dialect: SqlDialect) -> SqlSite {
        let (mut statements, mut errors) = parse_statements(&text.text, dialect);
        if !errors.is_empty() {
            if let Some(retry) = subquery_holes(&text) {
                let (s, e) = parse_statements(&retry, dialect);
                if e.len() < errors.len() {
                    (statements, errors) = (s, e);
                }
            }
        }
        let mut force_rls = Vec::new();
        errors.retain(|e| {
            let chunk = text
                .text
                .get(e.start as usize..e.end as usize)
                .unwrap_or("");
            match crate::rls::parse_force(chunk) {
                Some((table, force)) => {
                    force_rls.push(crate::rls::ForceStatement {
                        table,
                        force,
                        start: e.start,
                        end: e.end,
                    });
                    false
                }
                None => true,
            }
        });
        // `DO $$ BEGIN ... END $$`: the statements of the block, where they stand in the text.
        let mut in_blocks = Vec::new();
        errors.retain(|e| {
            let chunk = text
                .text
                .get(e.start as usize..e.end as usize)
                .unwrap_or("");
            let Some((at, body)) = do_block_body(chunk) else {
                return true;
            };
            let (mut inner, inner_errors) = parse_statements(body, dialect);
            for s in &mut inner {
                s.start += e.start + at as u32;
                s.end += e.start + at as u32;
            }
            in_blocks.extend(inner);
            !inner_errors.is_empty()
        });
        if !in_blocks.is_empty() {
            statements.extend(in_blocks);
            statements.sort_by_key(|s| s.start);
        }
        SqlSite {
            origin,
            call_span,
            call: None,
            function: None,
            text,
            dialect,
            statements,
            errors,
            binds: Vec::new(),
            force_rls,
        }
    }

    /// The file span of a sqlparser span inside one of this site's statements.
    pub fn span_of(
        &self,
        file_text: &str,
        stmt: &ParsedStatement,
        span: sqlparser::tokenizer::Span,
    ) -> Span {
        let start = stmt.offset_of(span.start);
        let end = stmt.offset_of(span.end).max(start);
        self.text.file_span(file_text, start, end)
    }

    /// The file span of a statement's whole text.
    pub fn statement_span(&self, file_text: &str, stmt: &ParsedStatement) -> Span {
        self.text.file_span(file_text, stmt.start, stmt.end)
    }

    /// A secondary label on the call that runs the SQL, when the primary span is elsewhere
    /// (in a const, or in another part of the statement).
    pub fn call_label(&self, primary: Span) -> Option<(Span, String)> {
        self.call?;
        (!self.call_span.contains(primary))
            .then(|| (self.call_span, "the SQL is executed here".to_string()))
    }

    pub fn is_migration(&self) -> bool {
        matches!(self.origin, SqlOrigin::File { migration: true })
    }
}

/// The body of a `DO $tag$ BEGIN ... END $tag$` block without its `BEGIN` and `END`, with its
/// offset in `chunk`: plain SQL statements a migration runs in one anonymous block.
fn do_block_body(chunk: &str) -> Option<(usize, &str)> {
    let rest = chunk.trim_start();
    if !rest.get(..2)?.eq_ignore_ascii_case("do") {
        return None;
    }
    let open = chunk.find('$')?;
    let tag_len = chunk[open + 1..].find('$')? + 2;
    let tag = &chunk[open..open + tag_len];
    let body_start = open + tag_len;
    let body_end = body_start + chunk[body_start..].find(tag)?;
    let body = &chunk[body_start..body_end];
    let trimmed = body.trim_start();
    let lead = body.len() - trimmed.len();
    let after_begin = trimmed
        .get(..5)
        .filter(|b| b.eq_ignore_ascii_case("begin"))
        .map_or(0, |_| 5);
    let inner = &trimmed[after_begin..];
    let inner = inner.trim_end().trim_end_matches(';').trim_end();
    let inner = match inner.len().checked_sub(3) {
        Some(i)
            if inner
                .get(i..)
                .is_some_and(|e| e.eq_ignore_ascii_case("end")) =>
        {
            &inner[..i]
        }
        _ => inner,
    };
    Some((body_start + lead + after_begin, inner))
}

/// The text with each hole that stands alone in parentheses (`FROM ({}) p`, a subquery built
/// elsewhere) replaced by `SELECT 1`, padded to the hole's length so that offsets still map.
/// `None` when there is no such hole.
fn subquery_holes(text: &SqlText) -> Option<String> {
    let mut out = text.text.clone();
    let mut replaced = false;
    for (piece, _, _) in text.holes() {
        let (start, end) = (piece.start as usize, piece.end as usize);
        let before = text.text.get(..start)?.trim_end();
        let after = text.text.get(end..)?.trim_start();
        let stand_in = "SELECT 1";
        if before.ends_with('(') && after.starts_with(')') && end - start >= stand_in.len() {
            out.replace_range(
                start..end,
                &format!("{stand_in:<width$}", width = end - start),
            );
            replaced = true;
        }
    }
    replaced.then_some(out)
}

pub fn dialect(d: SqlDialect) -> Box<dyn Dialect> {
    match d {
        SqlDialect::Postgres => Box::new(PostgreSqlDialect {}),
        SqlDialect::Mysql => Box::new(MySqlDialect {}),
        SqlDialect::Sqlite => Box::new(SQLiteDialect {}),
        SqlDialect::Generic => Box::new(GenericDialect {}),
    }
}

/// The most statements parsed from one text (a `.sql` file, one query's text). A parsed
/// statement takes about 18 KB: this keeps one text under half a GiB. Seed-data dumps go past
/// it; what follows is reported, not analysed.
pub const MAX_STATEMENTS: usize = 20_000;

/// Splits at top-level semicolons and parses each statement alone, so that one statement
/// sqlparser rejects (a PL/pgSQL body, a vendor extension) costs only itself.
pub fn parse_statements(sql: &str, d: SqlDialect) -> (Vec<ParsedStatement>, Vec<SqlParseError>) {
    let dialect = dialect(d);
    let mut statements = Vec::new();
    let mut errors = Vec::new();
    let tokens = match Tokenizer::new(&*dialect, sql).tokenize_with_location() {
        Ok(t) => t,
        Err(e) => {
            errors.push(SqlParseError {
                message: e.message.clone(),
                start: 0,
                end: sql.len() as u32,
            });
            return (statements, errors);
        }
    };
    // Tokens come in order: one cursor walks the text once (a per-token search from the line
    // start would be quadratic on a long one-line string).
    let mut cursor = TextCursor::new(sql);
    let mut chunk: Option<Chunk> = None;
    let mut chunks = Vec::new();
    for t in &tokens {
        match &t.token {
            Token::SemiColon => {
                if let Some(c) = chunk.take() {
                    chunks.push((c.start, cursor.offset_of(t.span.start), c.deepest));
                }
            }
            Token::Whitespace(_) | Token::EOF => {}
            token => chunk
                .get_or_insert_with(|| Chunk::new(cursor.offset_of(t.span.start)))
                .token(token),
        }
    }
    if let Some(c) = chunk {
        chunks.push((c.start, sql.len(), c.deepest));
    }
    if chunks.len() > MAX_STATEMENTS {
        let rest = chunks[MAX_STATEMENTS].0;
        errors.push(SqlParseError {
            message: format!(
                "more than {MAX_STATEMENTS} statements in one text; the rest, from here, was not \
                 analysed"
            ),
            start: rest as u32,
            end: sql.len() as u32,
        });
        chunks.truncate(MAX_STATEMENTS);
    }
    for (start, end, deepest) in chunks {
        // sqlparser builds `a AND b AND ..` as a tree as deep as the chain, and the walks over
        // it (ours, sqlparser's visitor and destructors) recurse: refuse it before parsing.
        if deepest > crate::syntax::parse::MAX_NESTING {
            errors.push(SqlParseError {
                message: format!(
                    "nesting deeper than {} levels (parentheses, or operators chained within \
                     one expression)",
                    crate::syntax::parse::MAX_NESTING
                ),
                start: start as u32,
                end: end as u32,
            });
            continue;
        }
        let chunk = &sql[start..end];
        match Parser::new(&*dialect)
            .try_with_sql(chunk)
            .and_then(|mut p| p.parse_statements())
        {
            Ok(parsed) => {
                for statement in parsed {
                    statements.push(ParsedStatement {
                        statement,
                        start: start as u32,
                        end: end as u32,
                        lines: LineIndex::new(chunk),
                        chunk: chunk.to_string(),
                    });
                }
            }
            Err(e) => errors.push(SqlParseError {
                message: e.to_string(),
                start: start as u32,
                end: end as u32,
            }),
        }
    }
    (statements, errors)
}

/// One statement's tokens while splitting: where it starts and an upper bound on the depth of
/// its syntax tree, as `parse::nesting_bound` computes it for Rust: the tokens since the last
/// comma or join in each enclosing parenthesis, summed over the parentheses, plus their number.
struct Chunk {
    start: usize,
    /// Tokens since the last comma or join, per open parenthesis or bracket (the statement
    /// first).
    open: Vec<usize>,
    counted: usize,
    deepest: usize,
    /// Whether the last token can end an operand (a name, a literal, a closing bracket) or a
    /// join's kind (`LEFT`, `OUTER`..).
    ends_operand: bool,
    /// Whether the last token was a `.`: the word after it is a name, even a keyword's
    /// (`ON b.a_id = a.id JOIN ..`).
    after_period: bool,
}

impl Chunk {
    fn new(start: usize) -> Chunk {
        Chunk {
            start,
            open: vec![0],
            counted: 0,
            deepest: 0,
            ends_operand: false,
            after_period: false,
        }
    }

    fn token(&mut self, token: &Token) {
        let after_period = std::mem::replace(&mut self.after_period, *token == Token::Period);
        let ends_operand = std::mem::replace(
            &mut self.ends_operand,
            ends_operand(token) || after_period && matches!(token, Token::Word(_)),
        );
        match token {
            // sqlparser keeps the joins of a FROM item in a list, so a JOIN after an operand
            // starts a sibling, not a child: like a comma. (After an operator, `join` is a
            // column name and the expression goes on.)
            Token::Comma => {
                self.end_sibling();
                return;
            }
            Token::Word(w) if w.keyword == Keyword::JOIN && ends_operand => self.end_sibling(),
            Token::RParen | Token::RBracket if self.open.len() > 1 => {
                self.counted -= self.open.pop().expect("checked");
            }
            _ => {}
        }
        *self.open.last_mut().expect("the statement level stays") += 1;
        self.counted += 1;
        self.deepest = self.deepest.max(self.counted + self.open.len());
        if matches!(token, Token::LParen | Token::LBracket) {
            self.open.push(0);
        }
    }

    fn end_sibling(&mut self) {
        let top = self.open.last_mut().expect("the statement level stays");
        self.counted -= std::mem::take(top);
    }
}

/// Whether `token` can be the last token of an operand or of a join's kind: then a `JOIN`
/// after it cannot continue an expression.
fn ends_operand(token: &Token) -> bool {
    match token {
        Token::Word(w) => matches!(
            w.keyword,
            Keyword::NoKeyword
                | Keyword::INNER
                | Keyword::LEFT
                | Keyword::RIGHT
                | Keyword::FULL
                | Keyword::OUTER
                | Keyword::CROSS
                | Keyword::NATURAL
        ),
        Token::Number(..)
        | Token::SingleQuotedString(_)
        | Token::DoubleQuotedString(_)
        | Token::Placeholder(_)
        | Token::RParen
        | Token::RBracket => true,
        _ => false,
    }
}

/// Byte offsets of sqlparser locations (1-based line, 1-based character column) asked for in
/// increasing order, in time linear in the text.
struct TextCursor<'a> {
    text: &'a str,
    byte: usize,
    at: (u64, u64),
}

impl<'a> TextCursor<'a> {
    fn new(text: &'a str) -> TextCursor<'a> {
        TextCursor {
            text,
            byte: 0,
            at: (1, 1),
        }
    }

    fn offset_of(&mut self, loc: Location) -> usize {
        let target = (loc.line, loc.column.max(1));
        while self.at < target {
            let Some(c) = self.text[self.byte..].chars().next() else {
                break;
            };
            // A column past the end of its line stops at the line's end, as `LineIndex` does.
            if c == '\n' && self.at.0 == target.0 {
                break;
            }
            self.byte += c.len_utf8();
            self.at = if c == '\n' {
                (self.at.0 + 1, 1)
            } else {
                (self.at.0, self.at.1 + 1)
            };
        }
        self.byte
    }
}

/// Whether a string reads as SQL: it starts (after comments) with a statement keyword.
pub fn looks_like_sql(text: &str) -> bool {
    let mut rest = text.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    let rest = rest.trim_start_matches('(');
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic() || *c == '_')
        .collect::<String>()
        .to_ascii_uppercase();
    const KEYWORDS: &[&str] = &[
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "WITH",
        "SET",
        "CREATE",
        "ALTER",
        "DROP",
        "TRUNCATE",
        "GRANT",
        "REVOKE",
        "MERGE",
        "UPSERT",
        "REPLACE",
        "VALUES",
        "COPY",
        "CALL",
        "DO",
        "EXPLAIN",
        "SHOW",
        "RESET",
        "LOCK",
        "REFRESH",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT",
        "PRAGMA",
        "LISTEN",
        "NOTIFY",
        "DECLARE",
    ];
    KEYWORDS.contains(&word.as_str())
        && rest.len() > word.len()
        && (word != "SET" || rest.contains('=') || rest.to_ascii_uppercase().contains(" TO "))
        || (word == "BEGIN" || word == "COMMIT" || word == "ROLLBACK") && rest.len() == word.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The joins of a FROM item are a list in sqlparser's tree: a JOIN after an operand is a
    /// sibling, so thousands of joins are parsed. A `join` column in an operator chain is no
    /// join, and the chain stays bounded. A condition may end in a column named like a keyword
    /// (`t1.id`).
    #[test]
    fn joins_are_siblings_but_join_columns_are_operands() {
        for last in ["a", "id"] {
            let joins: String = (1..3_000)
                .map(|i| format!(" JOIN t t{i} ON t{i}.a = t{}.{last}", i - 1))
                .collect();
            let (parsed, errors) = parse_statements(
                &format!("SELECT 1 FROM t t0{joins} WHERE t0.a = 1"),
                SqlDialect::Postgres,
            );
            assert!(parsed.len() == 1 && errors.is_empty(), "{last}: {errors:?}");
        }
        for chain in [
            vec!["a = 1 AND join"; 3_000].join(" AND "),
            vec!["join = 1"; 6_000].join(" AND "),
            vec!["(a) = join"; 6_000].join(" OR "),
        ] {
            let (parsed, errors) = parse_statements(
                &format!("SELECT 1 FROM t WHERE {chain}"),
                SqlDialect::Postgres,
            );
            assert!(parsed.is_empty(), "{chain:.40}");
            assert!(
                errors.len() == 1 && errors[0].message.contains("nesting deeper than"),
                "{chain:.40}: {errors:?}"
            );
        }
    }

    #[test]
    fn escapes_map_back_to_source() {
        // The value "a\nb" comes from the source text `"a\nb"`: 4 source bytes for 3 value bytes.
        let file = r#"let s = "a\nbc";"#;
        let content_start = file.find('"').unwrap() as u32 + 1;
        let b = map_literal_offset(file, content_start, false, 2);
        assert_eq!(&file[b as usize..b as usize + 1], "b");
    }

    #[test]
    fn one_bad_statement_costs_only_itself() {
        let (ok, bad) = parse_statements("SELECT 1; SELEC oops; SELECT 2", SqlDialect::Postgres);
        assert_eq!(ok.len(), 2);
        assert_eq!(bad.len(), 1);
    }

    #[test]
    fn a_hole_standing_for_a_subquery_parses() {
        let mut text = SqlText::default();
        text.push_literal("SELECT count(*) FROM (", 0, false);
        text.push_hole(None, Span::new(0, 1));
        text.push_literal(") p GROUP BY 1", 0, false);
        let site = SqlSite::new(
            SqlOrigin::File { migration: false },
            Span::new(0, 1),
            text,
            SqlDialect::Postgres,
        );
        assert!(site.errors.is_empty(), "{:?}", site.errors);
        assert_eq!(site.statements.len(), 1);
    }

    #[test]
    fn sql_detection() {
        assert!(looks_like_sql("  -- hi\n select * from t"));
        assert!(looks_like_sql("SET LOCAL app.tenant = 'x'"));
        assert!(!looks_like_sql("selected items"));
        assert!(!looks_like_sql("hello world"));
    }
}
