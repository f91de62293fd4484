//! `format!`-style templates: literal text and holes.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoleArg {
    /// `{}`: the next positional argument.
    Next,
    /// `{0}`
    Index(usize),
    /// `{name}`: a named argument or a captured binding.
    Named(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Literal text (with `{{` and `}}` unescaped); `start` is its offset in the template.
    Text { value: String, start: usize },
    /// A placeholder spanning `start..end` of the template; `spec` is what follows `:`.
    Hole {
        arg: HoleArg,
        start: usize,
        end: usize,
    },
}

/// Splits a template into text and holes. Malformed braces are kept as text.
pub fn parse_template(template: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut text_start = 0;
    let bytes = template.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                text.push('{');
                i += 2;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                text.push('}');
                i += 2;
            }
            b'{' => match template[i..].find('}') {
                Some(close) => {
                    if !text.is_empty() {
                        pieces.push(Piece::Text {
                            value: std::mem::take(&mut text),
                            start: text_start,
                        });
                    }
                    let inner = &template[i + 1..i + close];
                    let name = inner.split(':').next().unwrap_or("").trim();
                    let arg = if name.is_empty() {
                        HoleArg::Next
                    } else if let Ok(n) = name.parse() {
                        HoleArg::Index(n)
                    } else {
                        HoleArg::Named(name.to_string())
                    };
                    pieces.push(Piece::Hole {
                        arg,
                        start: i,
                        end: i + close + 1,
                    });
                    i += close + 1;
                    text_start = i;
                }
                None => {
                    text.push('{');
                    i += 1;
                }
            },
            _ => {
                let ch = template[i..].chars().next().unwrap_or(' ');
                if text.is_empty() {
                    text_start = i;
                }
                text.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text {
            value: text,
            start: text_start,
        });
    }
    pieces
}

/// Format specs of the holes (`?` for `{:?}`), in order, for rules that care about `Debug`.
pub fn hole_specs(template: &str) -> Vec<(HoleArg, String)> {
    parse_template(template)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Hole { arg, start, end } => {
                let inner = &template[start + 1..end - 1];
                let spec = inner.split_once(':').map_or("", |(_, s)| s).to_string();
                Some((arg, spec))
            }
            Piece::Text { .. } => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_and_escapes() {
        let p = parse_template("a {{x}} {} {name:?} {1}");
        assert_eq!(
            p,
            vec![
                Piece::Text {
                    value: "a {x} ".into(),
                    start: 0
                },
                Piece::Hole {
                    arg: HoleArg::Next,
                    start: 8,
                    end: 10
                },
                Piece::Text {
                    value: " ".into(),
                    start: 10
                },
                Piece::Hole {
                    arg: HoleArg::Named("name".into()),
                    start: 11,
                    end: 19
                },
                Piece::Text {
                    value: " ".into(),
                    start: 19
                },
                Piece::Hole {
                    arg: HoleArg::Index(1),
                    start: 20,
                    end: 23
                },
            ]
        );
        assert_eq!(hole_specs("{x:?}")[0].1, "?");
    }
}
