//! What a same-site crawl needs to know about a page: where it links, and
//! whether robots.txt lets Animo fetch a path.

use scraper::{Html, Node};
use url::Url;

/// The absolute http(s) links of a page, in document order, each once,
/// without fragments.
///
/// Relative links are resolved against the page's `<base href>` when it has
/// one, else against `base_url` (the page's own URL). `mailto:`,
/// `javascript:`, `tel:`, `data:` and other schemes are dropped, as are links
/// marked `rel="nofollow"` and `download` links. Keeping to the same site is
/// the caller's choice, made with the crawl's own rules; a `base_url` that is
/// not an absolute URL gives only the page's absolute links.
pub fn html_links(html: &str, base_url: &str) -> Vec<String> {
    let page = Html::parse_document(html);
    let elements = || {
        page.tree.nodes().filter_map(|node| match node.value() {
            Node::Element(element) => Some(element),
            _ => None,
        })
    };
    let page_url = Url::parse(base_url).ok();
    let base = elements()
        .find(|element| element.name() == "base")
        .and_then(|element| element.attr("href"))
        .and_then(|href| resolve(page_url.as_ref(), href))
        .or(page_url);

    let mut links: Vec<String> = Vec::new();
    for element in elements().filter(|element| matches!(element.name(), "a" | "area")) {
        let Some(href) = element.attr("href") else { continue };
        let nofollow = element
            .attr("rel")
            .is_some_and(|rel| rel.split_ascii_whitespace().any(|token| token.eq_ignore_ascii_case("nofollow")));
        if nofollow || element.attr("download").is_some() {
            continue;
        }
        let Some(mut url) = resolve(base.as_ref(), href) else { continue };
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            continue;
        }
        url.set_fragment(None);
        let link = url.to_string();
        if !links.contains(&link) {
            links.push(link);
        }
    }
    links
}

fn resolve(base: Option<&Url>, href: &str) -> Option<Url> {
    let href = href.trim();
    match base {
        Some(base) => base.join(href).ok(),
        None => Url::parse(href).ok(),
    }
}

/// Whether robots.txt lets `user_agent` fetch `path` (the URL's path and
/// query, as in `/docs/a?x=1`), following RFC 9309.
///
/// The rules of the groups naming the user agent's product token (`AnimoBot`
/// in `AnimoBot/1.0`, compared without case) apply; failing any, those of `*`;
/// failing those too, everything is allowed. Among the rules whose pattern
/// matches, the longest wins and `Allow` wins a tie. Patterns match from the
/// start of the path, `*` stands for any run of characters and a final `$`
/// anchors the end. `/robots.txt` itself is always allowed.
pub fn robots_allows(robots_txt: &str, user_agent: &str, path: &str) -> bool {
    let path = if path.is_empty() { "/" } else { path };
    if path == "/robots.txt" {
        return true;
    }
    let product = user_agent.split(['/', ' ']).next().unwrap_or_default().to_ascii_lowercase();
    let groups = parse_groups(robots_txt);
    let named: Vec<&Group> = groups
        .iter()
        .filter(|group| group.agents.iter().any(|agent| !product.is_empty() && *agent == product))
        .collect();
    let chosen = if named.is_empty() {
        groups.iter().filter(|group| group.agents.iter().any(|agent| agent == "*")).collect()
    } else {
        named
    };

    let mut best: Option<(usize, bool)> = None;
    for rule in chosen.iter().flat_map(|group| &group.rules) {
        // An empty Disallow allows everything; it is no rule at all.
        if rule.pattern.is_empty() || !pattern_matches(&rule.pattern, path) {
            continue;
        }
        let length = rule.pattern.len();
        let better = match best {
            None => true,
            Some((best_length, best_allow)) => {
                length > best_length || (length == best_length && rule.allow && !best_allow)
            }
        };
        if better {
            best = Some((length, rule.allow));
        }
    }
    best.is_none_or(|(_, allow)| allow)
}

#[derive(Debug, Default)]
struct Group {
    /// Lowercased user-agent tokens.
    agents: Vec<String>,
    rules: Vec<Rule>,
}

#[derive(Debug)]
struct Rule {
    allow: bool,
    pattern: String,
}

fn parse_groups(robots_txt: &str) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    // Consecutive user-agent lines share one group; a user-agent line after
    // rules starts the next.
    let mut collecting_agents = false;
    for line in robots_txt.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "user-agent" => {
                if !collecting_agents {
                    groups.push(Group::default());
                    collecting_agents = true;
                }
                if let Some(group) = groups.last_mut() {
                    group.agents.push(value.to_ascii_lowercase());
                }
            }
            key @ ("allow" | "disallow") => {
                collecting_agents = false;
                // Rules before any user-agent line belong to no group.
                if let Some(group) = groups.last_mut() {
                    group.rules.push(Rule { allow: key == "allow", pattern: value.to_owned() });
                }
            }
            // Sitemap, Crawl-delay and unknown keys neither start nor end a group.
            _ => {}
        }
    }
    groups
}

/// Whether a robots.txt pattern matches `path` from its start.
fn pattern_matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(stripped) => (stripped, true),
        None => (pattern, false),
    };
    let mut pieces = pattern.split('*');
    let first = pieces.next().unwrap_or_default();
    let Some(mut rest) = path.strip_prefix(first) else { return false };
    let pieces: Vec<&str> = pieces.collect();
    let Some((last, middle)) = pieces.split_last() else {
        // No `*`: a prefix match, or with `$` an exact one.
        return !anchored || rest.is_empty();
    };
    // Each middle piece is taken at its leftmost occurrence, which leaves the
    // most room for the pieces after it.
    for piece in middle {
        match rest.find(piece) {
            Some(at) => rest = rest.get(at + piece.len()..).unwrap_or_default(),
            None => return false,
        }
    }
    if anchored { rest.ends_with(last) } else { rest.contains(last) }
}

#[cfg(test)]
mod tests {
    use super::pattern_matches;

    #[test]
    fn patterns_match_prefixes_wildcards_and_anchors() {
        let cases = [
            ("/fish", "/fish.html", true),
            ("/fish", "/Fish", false),
            ("/fish*", "/fishheads/yum", true),
            ("/*.php", "/folder/index.php?x", true),
            ("/*.php$", "/folder/index.php?x", false),
            ("/*.php$", "/index.php", true),
            ("/a*b*c", "/axxbyyc", true),
            ("/a*b*c", "/axxcyyb", false),
            ("/exact$", "/exact", true),
            ("/exact$", "/exactly", false),
            ("*", "/anything", true),
        ];
        for (pattern, path, expected) in cases {
            assert_eq!(pattern_matches(pattern, path), expected, "{pattern} against {path}");
        }
    }
}
