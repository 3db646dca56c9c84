//! Finding the line of a dotted key path in YAML text, for configuration errors.

/// The 1-based line of a dotted key path such as `support.types[1].sla.any.target` in YAML
/// text, following indentation and list items; the deepest part found when the rest is absent.
pub fn key_path_line(text: &str, path: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0usize;
    let mut end = lines.len();
    let mut min_indent: Option<usize> = None;
    let mut found = None;
    for part in path.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let mut hit = None;
        for (i, line) in lines.iter().enumerate().take(end).skip(from) {
            let trimmed = line.trim_start_matches([' ', '-']);
            let indent = line.len() - line.trim_start().len();
            if min_indent.is_some_and(|m| indent < m) && !line.trim().is_empty() {
                break;
            }
            if trimmed
                .strip_prefix(name)
                .is_some_and(|r| r.trim_start().starts_with(':'))
            {
                hit = Some((i, indent));
                break;
            }
        }
        let Some((i, indent)) = hit else {
            return found;
        };
        found = Some(i + 1);
        let block_end = block_end(&lines, i, indent);
        from = i + 1;
        end = block_end;
        min_indent = Some(indent + 1);
        if let Some(n) = index {
            // The n-th `- ` item inside the block.
            let items: Vec<usize> = (from..end)
                .filter(|&k| lines[k].trim_start().starts_with('-'))
                .filter(|&k| {
                    let ind = lines[k].len() - lines[k].trim_start().len();
                    ind == (from..end)
                        .filter(|&j| lines[j].trim_start().starts_with('-'))
                        .map(|j| lines[j].len() - lines[j].trim_start().len())
                        .min()
                        .unwrap_or(ind)
                })
                .collect();
            let Some(&k) = items.get(n) else {
                return found;
            };
            found = Some(k + 1);
            let ind = lines[k].len() - lines[k].trim_start().len();
            from = k;
            end = items.get(n + 1).copied().unwrap_or(end);
            min_indent = Some(ind);
        }
    }
    found
}

fn block_end(lines: &[&str], start: usize, indent: usize) -> usize {
    for (k, line) in lines.iter().enumerate().skip(start + 1) {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let ind = line.len() - line.trim_start().len();
        if ind < indent || (ind == indent && !line.trim_start().starts_with('-')) {
            return k;
        }
    }
    lines.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_path_line_follows_lists() {
        let text = "title: x\nsupport:\n  time_zone: UTC\n  types:\n    - id: a\n      label: A\n    - id: b\n      sla:\n        any:\n          target: 2x\n";
        assert_eq!(key_path_line(text, "support.time_zone"), Some(3));
        assert_eq!(key_path_line(text, "support.types[1].id"), Some(7));
        assert_eq!(
            key_path_line(text, "support.types[1].sla.any.target"),
            Some(10)
        );
        assert_eq!(key_path_line(text, "support.types[0].sla"), Some(5));
    }
}
