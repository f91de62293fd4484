//! The engine's own diagnostics: problems that stop the analysis from seeing something.
//! They are configured like rules (`[rules] sql-parse-error = "allow"`).

use crate::declare_rule;
use crate::rule::RuleMeta;

declare_rule! {
    /// ## What it does
    /// Reports a Rust file that syn cannot parse.
    ///
    /// Also reports a file whose analysis went past the work cap one file may spend (counted
    /// in units of work, not time: far above any real file; a generated file of thousands of
    /// near-identical functions can reach it). Its findings are not reported; the other files
    /// are still analysed.
    ///
    /// ## Why is this bad?
    /// A file that does not parse is not analysed: its tenant-isolation bugs stay hidden. The
    /// rest of the workspace is still linted.
    ///
    /// ## Example
    /// ```rust
    /// fn handler( { }
    /// ```
    ///
    /// ## Use instead
    /// Fix the syntax error (`cargo check` shows it too), or exclude generated files with
    /// `exclude` in the configuration.
    pub struct ParseError {
        id: "parse-error",
        category: Engine,
        summary: "a Rust file cannot be parsed, so it was not analysed",
        cheat_sheet: "Testing and Validation",
        precision: "very-high",
        security_severity: "3.0",
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a file that cannot be read: not UTF-8, unreadable, too large, or a symbolic link
    /// loop; and a `sqlx::query_file!` whose SQL file cannot be read, at the path argument.
    ///
    /// ## Why is this bad?
    /// A file that cannot be read is not analysed. The run goes on with the other files.
    ///
    /// ## Example
    /// A `.rs` file saved in Latin-1, or `sqlx::query_file!("queries/gone.sql")` after the file
    /// was moved.
    ///
    /// ## Use instead
    /// Save source files as UTF-8, or exclude the path with `exclude` in the configuration.
    pub struct IoError {
        id: "io-error",
        category: Engine,
        summary: "a file cannot be read, so it was not analysed",
        cheat_sheet: "Testing and Validation",
        precision: "very-high",
        security_severity: "3.0",
    }
}

declare_rule! {
    /// ## What it does
    /// Lists SQL statements that sqlparser cannot parse.
    ///
    /// ## Why is this bad?
    /// A statement that does not parse is not checked for its tenant filter. It is listed so
    /// that a clean run is never a false all-clear.
    ///
    /// ## Example
    /// ```rust
    /// sqlx::query("SELEC * FROM documents")
    /// ```
    ///
    /// ## Use instead
    /// Fix the SQL, or set `sql-dialect` when the database is not PostgreSQL.
    pub struct SqlParseError {
        id: "sql-parse-error",
        category: Info,
        summary: "a SQL statement cannot be parsed, so it was not analysed",
        cheat_sheet: "Testing and Validation",
        precision: "very-high",
        security_severity: "1.0",
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a `tenantlint:` comment that is malformed, names an unknown rule, or gives no
    /// reason.
    ///
    /// ## Why is this bad?
    /// Every suppression in a security linter needs an auditable reason; a malformed one
    /// silently fails to suppress or hides more than intended.
    ///
    /// ## Example
    /// ```rust
    /// // tenantlint: allow(query-missing-tenant-filter)
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// // tenantlint: allow(query-missing-tenant-filter) -- plans are shared by every tenant
    /// ```
    pub struct InvalidSuppression {
        id: "invalid-suppression",
        category: Engine,
        summary: "a suppression comment is malformed, names an unknown rule, or gives no reason",
        cheat_sheet: "Audit and Compliance",
        precision: "very-high",
        security_severity: "4.0",
    }
}

declare_rule! {
    /// ## What it does
    /// Reports a suppression that matches no finding.
    ///
    /// ## Why is this bad?
    /// A stale suppression will silently hide the next real bug written on that line.
    ///
    /// ## Example
    /// ```rust
    /// // tenantlint: allow(cache-key-missing-tenant) -- legacy key
    /// let key = format!("{tenant_id}:user:{id}");
    /// ```
    ///
    /// ## Use instead
    /// Remove the suppression.
    pub struct UnusedSuppression {
        id: "unused-suppression",
        category: Engine,
        summary: "a suppression comment matches no finding",
        cheat_sheet: "Audit and Compliance",
        cwe: 1164,
        precision: "very-high",
        security_severity: "2.0",
    }
}

pub static ALL: &[&RuleMeta] = &[
    &ParseError::META,
    &IoError::META,
    &SqlParseError::META,
    &InvalidSuppression::META,
    &UnusedSuppression::META,
];
