//! Rendering a scope: `terminal` (the readable sections `scope` prints), `html` (the
//! self-contained report page), `timeline` and `map` (the page's SVG drawings, made
//! here — no chart library, no CDN, no network), `escape` (HTML text).
//!
//! `assets/report/world.txt` holds the map's coastline and borders (Natural Earth 1:110m, public
//! domain) as SVG path data, built by `assets/report/tools/build_world.py` (see `assets/report/WORLD.md`).

mod escape;
pub mod html;
mod map;
pub mod terminal;
mod timeline;
