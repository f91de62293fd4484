//! Standard-library functions that hand back the value behind their first argument.

/// `std::mem::take(&mut x)` and `std::mem::replace(&mut x, y)` return what `x` held: the value
/// moves on, with its origin.
pub const VALUE_MOVES: &[(&str, &str)] = &[("mem", "take"), ("mem", "replace")];
