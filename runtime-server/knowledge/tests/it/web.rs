//! Link discovery and robots.txt rules for same-site crawls.

use animo_knowledge::{html_links, robots_allows};

#[test]
fn links_are_absolute_http_without_fragments_in_document_order() {
    let html = r##"<html><body>
        <a href="/about">About</a>
        <a href="pricing?plan=pro#table">Pricing</a>
        <a href="../up">Up</a>
        <a href="#top">Top</a>
        <a href="https://other.example/x#y">Elsewhere</a>
        <a href="//cdn.example/lib">Protocol-relative</a>
        <a href="mailto:hi@animo.example">Mail</a>
        <a href="javascript:void(0)">Script</a>
        <a href="tel:+4930123">Call</a>
        <a href="/about">About again</a>
        <a href="/private" rel="NoFollow">Hidden</a>
        <a href="/file.pdf" download>Download</a>
        <a>No href</a>
        <map><area href="/area"></map>
    </body></html>"##;
    assert_eq!(
        html_links(html, "https://animo.example/docs/guide?x=1"),
        [
            "https://animo.example/about",
            "https://animo.example/docs/pricing?plan=pro",
            "https://animo.example/up",
            "https://animo.example/docs/guide?x=1",
            "https://other.example/x",
            "https://cdn.example/lib",
            "https://animo.example/area",
        ]
    );
}

#[test]
fn a_base_element_changes_where_relative_links_point() {
    let html = r#"<head><base href="https://animo.example/v2/"></head><a href="start">Start</a>"#;
    assert_eq!(html_links(html, "https://animo.example/index.html"), ["https://animo.example/v2/start"]);
    // Without a usable page URL, only absolute links are found.
    let html = r#"<a href="/relative">x</a><a href="http://animo.example/abs">y</a>"#;
    assert_eq!(html_links(html, "not a url"), ["http://animo.example/abs"]);
}

const ROBOTS: &str = "\
# Animo's test site
User-agent: *
Disallow: /private/
Allow: /private/press/
Disallow: /*.json$
Disallow: /search

User-agent: AnimoBot
User-agent: OtherBot
Disallow: /drafts
Allow: /drafts/public
Crawl-delay: 5

User-agent: BadBot
Disallow: /

Sitemap: https://animo.example/sitemap.xml
";

#[test]
fn robots_rules_choose_the_group_and_the_longest_match() {
    let cases = [
        // The `*` group for agents with no group of their own.
        ("SomeCrawler/2.0", "/", true),
        ("SomeCrawler/2.0", "/private/x", false),
        ("SomeCrawler/2.0", "/private/press/release", true),
        ("SomeCrawler/2.0", "/data.json", false),
        ("SomeCrawler/2.0", "/data.json?x=1", true),
        ("SomeCrawler/2.0", "/searching", false),
        ("SomeCrawler/2.0", "/robots.txt", true),
        // A named group replaces `*` entirely, matched on the product token without case.
        ("animobot/1.0 (+https://animo.example/bot)", "/private/x", true),
        ("AnimoBot/1.0", "/drafts/2025", false),
        ("AnimoBot/1.0", "/drafts/public/a", true),
        ("OtherBot", "/drafts", false),
        ("BadBot/1", "/anything", false),
        ("BadBot/1", "/robots.txt", true),
    ];
    for (agent, path, expected) in cases {
        assert_eq!(robots_allows(ROBOTS, agent, path), expected, "{agent} {path}");
    }
}

#[test]
fn robots_edge_cases() {
    // No robots.txt, or no group for anyone: everything is allowed.
    assert!(robots_allows("", "AnimoBot", "/x"));
    assert!(robots_allows("Disallow: /\n", "AnimoBot", "/x"), "rules outside any group are ignored");
    // An empty Disallow allows everything.
    assert!(robots_allows("User-agent: *\nDisallow:\n", "AnimoBot", "/x"));
    // Allow wins a tie of equal length.
    assert!(robots_allows("User-agent: *\nDisallow: /page\nAllow: /page\n", "AnimoBot", "/page"));
    // Groups for the same agent are merged.
    let split = "User-agent: animobot\nDisallow: /a\n\nUser-agent: AnimoBot\nDisallow: /b\n";
    assert!(!robots_allows(split, "AnimoBot", "/a") && !robots_allows(split, "AnimoBot", "/b"));
    // Case matters in paths, not in keys; comments and junk lines are skipped.
    let messy = "USER-AGENT: * # everyone\nDISALLOW: /Admin   # not /admin\nthis line is junk\n";
    assert!(!robots_allows(messy, "AnimoBot", "/Admin/x"));
    assert!(robots_allows(messy, "AnimoBot", "/admin/x"));
    // An empty path is the root.
    assert!(!robots_allows("User-agent: *\nDisallow: /$\n", "AnimoBot", ""));
}
