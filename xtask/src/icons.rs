//! `cargo xtask icons`: every icon the Studio's bundle needs, generated from
//! one source image, `icons/source.png` (1024×1024).
//!
//! The source itself is drawn by [`draw_source`] (a rounded violet square with
//! a smiling face) when it is missing or `--redraw-source` is given, so the
//! repository never holds an image nobody can regenerate. Every size is an
//! area-averaged reduction of the source in premultiplied alpha, encoded the
//! same way on every machine; `--check` (and a test) fail when a committed
//! icon differs from what this writes.

use std::path::Path;

use anyhow::{Context, Result, bail, ensure};

/// The source image's side in pixels.
const SOURCE_SIDE: u32 = 1024;

/// The PNG files `tauri.conf.json` lists, with their sides.
const PNGS: &[(&str, u32)] = &[("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)];

/// Sides inside `icon.ico` (Windows picks the nearest for each use).
const ICO_SIDES: &[u32] = &[16, 24, 32, 48, 64, 256];

/// Entries inside `icon.icns` (macOS): the type code and its side.
const ICNS_ENTRIES: &[(&[u8; 4], u32)] =
    &[(b"ic11", 32), (b"ic12", 64), (b"ic07", 128), (b"ic13", 256), (b"ic08", 256), (b"ic09", 512), (b"ic10", 1024)];

/// An RGBA8 image, rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Image {
    side: u32,
    rgba: Vec<u8>,
}

/// Writes every icon (and the source, when missing or asked for).
pub fn write(root: &Path, redraw_source: bool) -> Result<()> {
    let dir = root.join("icons");
    let source_path = dir.join("source.png");
    if redraw_source || !source_path.is_file() {
        std::fs::write(&source_path, encode_png(&draw_source())?)
            .with_context(|| format!("could not write {}", source_path.display()))?;
        println!("icons: drew {}", source_path.display());
    }
    for (name, bytes) in generate(&read_source(&source_path)?)? {
        let path = dir.join(&name);
        std::fs::write(&path, bytes).with_context(|| format!("could not write {}", path.display()))?;
        println!("icons: wrote {}", path.display());
    }
    Ok(())
}

/// Fails when a committed icon is missing or differs from what [`write`]
/// would write from the committed source.
pub fn check(root: &Path) -> Result<()> {
    let dir = root.join("icons");
    let mut stale = Vec::new();
    for (name, bytes) in generate(&read_source(&dir.join("source.png"))?)? {
        if std::fs::read(dir.join(&name)).ok().as_deref() != Some(bytes.as_slice()) {
            stale.push(name);
        }
    }
    if !stale.is_empty() {
        bail!("icons out of date or missing: {}; run `cargo xtask icons`", stale.join(", "));
    }
    println!("icons: up to date");
    Ok(())
}

/// Every generated file's name and bytes.
fn generate(source: &Image) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for (name, side) in PNGS {
        files.push(((*name).to_owned(), encode_png(&reduce(source, *side))?));
    }
    let ico: Vec<(u32, Vec<u8>)> =
        ICO_SIDES.iter().map(|side| Ok((*side, encode_png(&reduce(source, *side))?))).collect::<Result<_>>()?;
    files.push(("icon.ico".to_owned(), ico_file(&ico)?));
    let icns: Vec<(&[u8; 4], Vec<u8>)> = ICNS_ENTRIES
        .iter()
        .map(|(kind, side)| Ok((*kind, encode_png(&reduce(source, *side))?)))
        .collect::<Result<_>>()?;
    files.push(("icon.icns".to_owned(), icns_file(&icns)?));
    Ok(files)
}

fn read_source(path: &Path) -> Result<Image> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("could not open {}; `cargo xtask icons` draws it", path.display()))?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().with_context(|| format!("{} is not a PNG", path.display()))?;
    let size = reader.output_buffer_size().context("the source image is too large")?;
    let mut buffer = vec![0; size];
    let info = reader.next_frame(&mut buffer).with_context(|| format!("could not decode {}", path.display()))?;
    ensure!(
        info.width == SOURCE_SIDE && info.height == SOURCE_SIDE,
        "the source icon must be {SOURCE_SIDE}×{SOURCE_SIDE}, not {}×{}",
        info.width,
        info.height
    );
    ensure!(
        info.color_type == png::ColorType::Rgba && info.bit_depth == png::BitDepth::Eight,
        "the source icon must be 8-bit RGBA"
    );
    buffer.truncate(info.buffer_size());
    Ok(Image { side: SOURCE_SIDE, rgba: buffer })
}

fn encode_png(image: &Image) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, image.side, image.side);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().context("could not encode an icon")?;
    writer.write_image_data(&image.rgba).context("could not encode an icon")?;
    writer.finish().context("could not encode an icon")?;
    Ok(bytes)
}

/// The source pixels each output pixel covers along one axis, with the share
/// of each: an exact area average for any reduction factor.
fn coverage(from: u32, to: u32) -> Vec<Vec<(usize, f64)>> {
    let scale = f64::from(from) / f64::from(to);
    (0..to)
        .map(|index| {
            let start = f64::from(index) * scale;
            let end = start + scale;
            let mut weights = Vec::new();
            let mut source = start.floor();
            while source < end {
                let overlap = (source + 1.0).min(end) - source.max(start);
                if overlap > 0.0 {
                    // `source` is a whole pixel index below `from`.
                    weights.push((source as usize, overlap / scale));
                }
                source += 1.0;
            }
            weights
        })
        .collect()
}

/// Reduces the image to `side` pixels, averaging in premultiplied alpha so
/// that transparent pixels lend no colour to the edges.
fn reduce(source: &Image, side: u32) -> Image {
    if side == source.side {
        return source.clone();
    }
    let axis = coverage(source.side, side);
    let stride = source.side as usize * 4;
    let mut rgba = Vec::with_capacity(side as usize * side as usize * 4);
    for rows in &axis {
        for columns in &axis {
            let mut sum = [0.0_f64; 4];
            for &(y, wy) in rows {
                for &(x, wx) in columns {
                    let at = y * stride + x * 4;
                    let pixel = &source.rgba[at..at + 4];
                    let alpha = f64::from(pixel[3]) / 255.0;
                    let weight = wx * wy;
                    for (total, value) in sum.iter_mut().zip(&pixel[..3]) {
                        *total += f64::from(*value) * alpha * weight;
                    }
                    sum[3] += alpha * weight;
                }
            }
            let alpha = sum[3];
            for total in &sum[..3] {
                rgba.push(to_byte(if alpha > 0.0 { total / alpha } else { 0.0 }));
            }
            rgba.push(to_byte(alpha * 255.0));
        }
    }
    Image { side, rgba }
}

fn to_byte(value: f64) -> u8 {
    // Clamped to 0..=255 first, so the cast only drops the (zero) fraction.
    value.round().clamp(0.0, 255.0) as u8
}

/// A Windows icon holding PNG images, the form Windows Vista and later read.
fn ico_file(images: &[(u32, Vec<u8>)]) -> Result<Vec<u8>> {
    let count = u16::try_from(images.len()).context("too many icon sizes")?;
    let mut header = Vec::new();
    header.extend_from_slice(&0_u16.to_le_bytes());
    header.extend_from_slice(&1_u16.to_le_bytes());
    header.extend_from_slice(&count.to_le_bytes());
    let mut offset = 6 + 16 * images.len();
    let mut data = Vec::new();
    for (side, png) in images {
        // A side of 256 is written as 0.
        let byte = u8::try_from(*side % 256).context("icon sides above 256 do not fit an ICO entry")?;
        header.extend_from_slice(&[byte, byte, 0, 0]);
        header.extend_from_slice(&1_u16.to_le_bytes());
        header.extend_from_slice(&32_u16.to_le_bytes());
        header.extend_from_slice(&u32::try_from(png.len()).context("icon too large")?.to_le_bytes());
        header.extend_from_slice(&u32::try_from(offset).context("icon too large")?.to_le_bytes());
        offset += png.len();
        data.extend_from_slice(png);
    }
    header.extend_from_slice(&data);
    Ok(header)
}

/// A macOS icon family: `icns`, the total length, then each entry's type,
/// length (header included) and PNG data, lengths big-endian.
fn icns_file(entries: &[(&[u8; 4], Vec<u8>)]) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    for (kind, png) in entries {
        body.extend_from_slice(*kind);
        body.extend_from_slice(&u32::try_from(png.len() + 8).context("icon too large")?.to_be_bytes());
        body.extend_from_slice(png);
    }
    let mut file = Vec::with_capacity(body.len() + 8);
    file.extend_from_slice(b"icns");
    file.extend_from_slice(&u32::try_from(body.len() + 8).context("icon too large")?.to_be_bytes());
    file.extend_from_slice(&body);
    Ok(file)
}

/// Animo's mark: a rounded square in a violet gradient with a white face
/// (two eyes and a smile), drawn from signed distances with a one-pixel
/// smooth edge.
fn draw_source() -> Image {
    let side = f64::from(SOURCE_SIDE);
    let mut rgba = Vec::with_capacity((SOURCE_SIDE * SOURCE_SIDE * 4) as usize);
    for row in 0..SOURCE_SIDE {
        for column in 0..SOURCE_SIDE {
            // Pixel centre in units where the image spans -1..1.
            let x = (f64::from(column) + 0.5) / side * 2.0 - 1.0;
            let y = (f64::from(row) + 0.5) / side * 2.0 - 1.0;
            let pixel = 2.0 / side;
            let square = rounded_square(x, y, 0.86, 0.3);
            let cover = edge(square, pixel);
            // Gradient from indigo (top left) to violet (bottom right).
            let t = ((x + y) / 4.0 + 0.5).clamp(0.0, 1.0);
            let mut color = [mix(79.0, 147.0, t), mix(70.0, 51.0, t), mix(229.0, 234.0, t)];
            let eye = (x + 0.3).hypot(y + 0.15).min((x - 0.3).hypot(y + 0.15)) - 0.11;
            let smile = smile_arc(x, y);
            let face = edge(eye.min(smile), pixel);
            for channel in &mut color {
                *channel = mix(*channel, 255.0, face);
            }
            rgba.extend_from_slice(&[to_byte(color[0]), to_byte(color[1]), to_byte(color[2]), to_byte(cover * 255.0)]);
        }
    }
    Image { side: SOURCE_SIDE, rgba }
}

fn mix(from: f64, to: f64, t: f64) -> f64 {
    from + (to - from) * t
}

/// Coverage from a signed distance: 1 inside, 0 outside, a ramp one pixel wide.
fn edge(distance: f64, pixel: f64) -> f64 {
    (0.5 - distance / pixel).clamp(0.0, 1.0)
}

fn rounded_square(x: f64, y: f64, half: f64, radius: f64) -> f64 {
    let qx = x.abs() - (half - radius);
    let qy = y.abs() - (half - radius);
    qx.max(0.0).hypot(qy.max(0.0)) + qx.max(qy).min(0.0) - radius
}

/// The lower half of a ring around (0, 0.05): a smile 0.09 thick.
fn smile_arc(x: f64, y: f64) -> f64 {
    let (cx, cy, radius, thickness) = (0.0, 0.05, 0.42, 0.09);
    let (dx, dy) = (x - cx, y - cy);
    if dy >= 0.15 * dx.abs() {
        (dx.hypot(dy) - radius).abs() - thickness / 2.0
    } else {
        // Past the ends: the distance to the nearer rounded end.
        let end = radius / (1.0_f64 + 0.0225).sqrt();
        let end_y = 0.15 * end;
        (dx.abs() - end).hypot(dy - end_y) - thickness / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_icons_are_fresh() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root");
        check(root).expect("icons/ matches `cargo xtask icons`");
    }

    #[test]
    fn reduction_averages_by_area() {
        // A 4×4 image, left half opaque white and right half transparent,
        // reduced to 2×2 and to 3×3.
        let mut rgba = Vec::new();
        for _ in 0..4 {
            rgba.extend_from_slice(&[255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0]);
        }
        let image = Image { side: 4, rgba };
        let half = reduce(&image, 2);
        assert_eq!(&half.rgba[..8], &[255, 255, 255, 255, 0, 0, 0, 0]);
        let third = reduce(&image, 3);
        // The middle column covers the edge evenly: half coverage, white.
        assert_eq!(&third.rgba[4..8], &[255, 255, 255, 128]);
    }

    #[test]
    fn ico_and_icns_say_where_each_image_is() {
        let ico = ico_file(&[(16, vec![1, 2, 3]), (256, vec![4, 5])]).expect("an ico");
        assert_eq!(&ico[..6], &[0, 0, 1, 0, 2, 0]);
        // Second entry: side 256 written as 0, size 2 at offset 6 + 32 + 3.
        assert_eq!(ico[22], 0);
        assert_eq!(&ico[30..34], &2_u32.to_le_bytes());
        assert_eq!(&ico[34..38], &41_u32.to_le_bytes());
        assert_eq!(&ico[41..], &[4, 5]);
        let icns = icns_file(&[(b"ic07", vec![9; 4])]).expect("an icns");
        assert_eq!(&icns[..8], b"icns\0\0\0\x14");
        assert_eq!(&icns[8..16], b"ic07\0\0\0\x0c");
    }
}
