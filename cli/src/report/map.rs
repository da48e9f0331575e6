//! Where the scope's events came from, as an SVG world map: equirectangular
//! projection, Natural Earth coastline and borders (`assets/report/world.txt`), a graticule every
//! 30°, one circle per place sized by its events, the attacker's places in red.

use std::fmt::Write;

use tokenhunt_engine::scope::report::Location;

use super::escape::html;

const WORLD: &str = include_str!("../../assets/report/world.txt");

fn world_path(kind: &str) -> &'static str {
    WORLD
        .lines()
        .find_map(|line| line.strip_prefix(kind)?.strip_prefix(' '))
        .unwrap_or("")
}

/// Map units (degrees) of the largest circle.
const MAX_RADIUS: f64 = 4.5;

/// The map SVG.
pub fn svg(locations: &[Location]) -> String {
    let mut out = String::from(
        "<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 360 180\" \
         role=\"img\" aria-label=\"Where the events came from\">\
         <rect class=\"sea\" x=\"0\" y=\"0\" width=\"360\" height=\"180\"/>",
    );
    for lon in (-150..=150).step_by(30) {
        let x = lon as f64 + 180.0;
        let _ = write!(
            out,
            "<line class=\"graticule\" x1=\"{x}\" y1=\"0\" x2=\"{x}\" y2=\"180\"/>"
        );
    }
    for lat in (-60..=60).step_by(30) {
        let y = 90.0 - lat as f64;
        let _ = write!(
            out,
            "<line class=\"graticule\" x1=\"0\" y1=\"{y}\" x2=\"360\" y2=\"{y}\"/>"
        );
    }
    let _ = write!(
        out,
        "<path class=\"land\" d=\"{}\"/><path class=\"borders\" d=\"{}\"/>",
        world_path("land"),
        world_path("borders")
    );
    let most = locations.iter().map(|l| l.events).max().unwrap_or(1).max(1) as f64;
    // Big circles first so small ones stay visible on top; the attacker's last.
    let mut ordered: Vec<&Location> = locations.iter().collect();
    ordered.sort_by(|a, b| {
        (a.attacker_events > 0)
            .cmp(&(b.attacker_events > 0))
            .then_with(|| b.events.cmp(&a.events))
    });
    for place in ordered {
        if !(-90.0..=90.0).contains(&place.lat) || !(-180.0..=180.0).contains(&place.lon) {
            continue;
        }
        let radius = 0.9 + (MAX_RADIUS - 0.9) * (place.events as f64 / most).sqrt();
        let class = if place.attacker_events > 0 {
            "pt bad"
        } else {
            "pt"
        };
        let where_ = [place.city.as_deref(), place.country.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(
            out,
            "<circle class=\"{class}\" cx=\"{:.2}\" cy=\"{:.2}\" r=\"{radius:.2}\"><title>{}</title></circle>",
            place.lon + 180.0,
            90.0 - place.lat,
            html(&format!(
                "{}\n{} event(s), {} from the attacker\n{}",
                if where_.is_empty() {
                    "unknown place".to_string()
                } else {
                    where_
                },
                place.events,
                place.attacker_events,
                place.ips.join(", ")
            ))
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outline_is_embedded() {
        assert!(world_path("land").starts_with('M'));
        assert!(world_path("borders").starts_with('M'));
        assert!(world_path("land").len() > 10_000);
    }
}
