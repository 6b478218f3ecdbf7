//! GLB inspection against a real avatar, and against many broken copies of it.
//!
//! The fixture lives beside the workspace (`../shared/fixtures/avatars/`) and is
//! never copied into the project.

use std::ops::Range;
use std::panic::catch_unwind;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use animo_shared::ErrorCode;
use animo_shared::avatar::inspect::{InspectLimits, InspectionReport, MeshMorphTargets, inspect_glb};

const ROBOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/avatars/RobotExpressive.glb");

fn robot_bytes() -> Vec<u8> {
    std::fs::read(ROBOT).unwrap_or_else(|error| panic!("cannot read the fixture {ROBOT}: {error}"))
}

fn robot_report() -> InspectionReport {
    inspect_glb(&robot_bytes(), &InspectLimits::default()).expect("RobotExpressive.glb is a valid avatar")
}

#[test]
fn robot_expressive_has_its_clips_morph_targets_and_skins() {
    let report = robot_report();
    assert_eq!(report.file_bytes, 463_988);
    assert_eq!(report.generator.as_deref(), Some("FBX2glTF"));

    let mut clips = report.clip_names();
    clips.sort();
    let mut expected = [
        "Dance", "Death", "Idle", "Jump", "No", "Punch", "Running", "Sitting", "Standing", "ThumbsUp", "Walking",
        "WalkJump", "Wave", "Yes",
    ];
    expected.sort();
    assert_eq!(clips, expected);
    assert!(report.clips.iter().all(|clip| clip.duration_secs > 0.0 && clip.duration_secs < 10.0));
    assert!(report.clips.iter().all(|clip| clip.channels > 0 && !clip.targeted_joints.is_empty()));

    assert_eq!(
        report.morph_targets,
        [MeshMorphTargets { mesh: "Head".to_owned(), targets: vec!["Angry".into(), "Surprised".into(), "Sad".into()] }]
    );
    assert_eq!(report.skins.len(), 2);
    assert!(report.skins.iter().all(|skin| skin.joints == 43));
    assert_eq!((report.meshes, report.primitives, report.triangles, report.vertices), (14, 19, 3237, 7214));

    // A standing robot a few units tall, feet at the origin.
    let height = report.height.expect("the robot has a height");
    assert!((4.0..5.0).contains(&height), "height {height}");
    let bounds = report.bounds.expect("the robot has bounds");
    assert!(bounds.min[1].abs() < 0.1, "{bounds:?}");
}

#[test]
fn robot_expressive_report_snapshot() {
    insta::assert_json_snapshot!(robot_report());
}

#[test]
fn robot_expressive_is_refused_by_tight_limits() {
    let limits = InspectLimits { max_triangles: 1000, ..InspectLimits::default() };
    let error = inspect_glb(&robot_bytes(), &limits).expect_err("3237 triangles is over 1000");
    assert_eq!(error.code, ErrorCode::AvatarTooComplex);
    assert_eq!(error.limit.as_deref(), Some("max_triangles"));
}

// ---------------------------------------------------------------------------
// Robustness: mutated copies of the fixture must be answered, never panicked on.

/// The seed every iteration's generator is derived from; an iteration is
/// reproduced from this and its number alone.
const SEED: u64 = 0x5EED_A417_0C1A_2025;
const ITERATIONS: u64 = 20_000;

/// xorshift64*: small, deterministic and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn for_iteration(iteration: u64) -> Self {
        // SplitMix64 of the pair, so neighbouring iterations get unrelated streams.
        let mut z = SEED ^ iteration.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..bound`; `bound` must not be 0.
    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(bound).unwrap()).unwrap()
    }

    fn in_range(&mut self, range: Range<usize>) -> usize {
        range.start + self.below(range.len())
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The fixture taken apart once: the container's pieces, and where the numbers
/// and the `"max"` arrays are in its JSON text.
struct Parts {
    bytes: Vec<u8>,
    json: Range<usize>,
    bin: Range<usize>,
    numbers: Vec<Range<usize>>,
    maxes: Vec<Range<usize>>,
}

impl Parts {
    fn new() -> Self {
        let bytes = robot_bytes();
        let word = |at: usize| usize::try_from(u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())).unwrap();
        let json = 20..20 + word(12);
        let bin = json.end + 8..json.end + 8 + word(json.end);
        assert_eq!(bin.end, bytes.len(), "the fixture is one JSON and one BIN chunk");
        let text = &bytes[json.clone()];
        let numbers = number_tokens(text);
        let maxes = max_arrays(text);
        assert!(numbers.len() > 1000 && maxes.len() > 20, "the fixture's JSON has numbers and max arrays");
        Self { bytes, json, bin, numbers, maxes }
    }

    fn json_text(&self) -> &[u8] {
        &self.bytes[self.json.clone()]
    }

    fn bin_chunk(&self) -> &[u8] {
        &self.bytes[self.bin.clone()]
    }
}

/// The byte ranges of the number tokens outside strings.
fn number_tokens(text: &[u8]) -> Vec<Range<usize>> {
    let mut tokens = Vec::new();
    let (mut at, mut in_string, mut escaped) = (0, false, false);
    while at < text.len() {
        let byte = text[at];
        if in_string {
            (in_string, escaped) = (escaped || byte != b'"', !escaped && byte == b'\\');
            at += 1;
        } else if byte == b'"' {
            in_string = true;
            at += 1;
        } else if byte == b'-' || byte.is_ascii_digit() {
            let start = at;
            while at < text.len() && matches!(text[at], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                at += 1;
            }
            tokens.push(start..at);
        } else {
            at += 1;
        }
    }
    tokens
}

/// The byte ranges of `,"max":[…]` members, which can be cut out whole.
fn max_arrays(text: &[u8]) -> Vec<Range<usize>> {
    let key = b",\"max\":[";
    let mut arrays = Vec::new();
    for start in 0..text.len().saturating_sub(key.len()) {
        if text[start..].starts_with(key)
            && let Some(length) = text[start..].iter().position(|&byte| byte == b']')
        {
            arrays.push(start..start + length + 1);
        }
    }
    arrays
}

/// A GLB around `json` and `bin`, with correct lengths and padding.
fn assemble(json: &[u8], bin: &[u8]) -> Vec<u8> {
    let json_padded = json.len().next_multiple_of(4);
    let bin_padded = bin.len().next_multiple_of(4);
    let total = 12 + 8 + json_padded + 8 + bin_padded;
    let mut glb = Vec::with_capacity(total);
    glb.extend_from_slice(b"glTF");
    glb.extend_from_slice(&2_u32.to_le_bytes());
    glb.extend_from_slice(&u32::try_from(total).unwrap().to_le_bytes());
    glb.extend_from_slice(&u32::try_from(json_padded).unwrap().to_le_bytes());
    glb.extend_from_slice(b"JSON");
    glb.extend_from_slice(json);
    glb.resize(20 + json_padded, b' ');
    glb.extend_from_slice(&u32::try_from(bin_padded).unwrap().to_le_bytes());
    glb.extend_from_slice(b"BIN\0");
    glb.extend_from_slice(bin);
    glb.resize(total, 0);
    glb
}

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "4",
    "255",
    "65535",
    "2147483647",
    "4294967295",
    "4294967296",
    "9007199254740993",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "1e308",
    "-1e308",
    "1e39",
    "-3.5e38",
    "0.5",
    "-0.0",
    "1e-320",
    "123456789012345678901234567890",
];

fn interesting_u32(rng: &mut Rng, len: usize) -> u32 {
    let len = u32::try_from(len).unwrap();
    match rng.below(8) {
        0 => 0,
        1 => u32::MAX,
        2 => 0x8000_0000,
        3 => len.wrapping_add(u32::try_from(rng.below(17)).unwrap()).wrapping_sub(8),
        4 => u32::try_from(rng.below(64)).unwrap(),
        5 => 2,
        _ => u32::try_from(rng.next() >> 32).unwrap(),
    }
}

/// Writes the file's own length into its header, so that a mutation that moved
/// bytes gets past the length check and reaches the chunks.
fn fix_length(bytes: &mut [u8]) {
    if bytes.len() >= 12 {
        let length = u32::try_from(bytes.len()).unwrap();
        bytes[8..12].copy_from_slice(&length.to_le_bytes());
    }
}

/// Applies one random mutation to `bytes` (a copy of the fixture, possibly
/// already mutated) and says which.
fn mutate(rng: &mut Rng, parts: &Parts, bytes: &mut Vec<u8>) -> &'static str {
    match rng.below(10) {
        0 => {
            for _ in 0..rng.in_range(1..9) {
                if !bytes.is_empty() {
                    let at = rng.below(bytes.len());
                    bytes[at] ^= u8::try_from(rng.in_range(1..256)).unwrap();
                }
            }
            "flip bytes"
        }
        1 => {
            let fields = [0, 4, 8, 12, 16, parts.json.end, parts.json.end + 4];
            let at = *rng.pick(&fields);
            let value = interesting_u32(rng, bytes.len());
            if let Some(field) = bytes.get_mut(at..at + 4) {
                field.copy_from_slice(&value.to_le_bytes());
            }
            "overwrite a header field"
        }
        2 => {
            let region = if rng.below(2) == 0 { parts.json.clone() } else { parts.bin.clone() };
            let at = rng.in_range(region);
            let value = interesting_u32(rng, bytes.len());
            if let Some(field) = bytes.get_mut(at..at + 4) {
                field.copy_from_slice(&value.to_le_bytes());
            }
            "overwrite a u32 in a chunk"
        }
        3 => {
            let at = rng.below(bytes.len() + 1);
            let inserted: Vec<u8> = (0..rng.in_range(1..65)).map(|_| u8::try_from(rng.below(256)).unwrap()).collect();
            bytes.splice(at..at, inserted);
            if rng.below(2) == 0 {
                fix_length(bytes);
            }
            "insert bytes"
        }
        4 => {
            let at = rng.below(bytes.len() + 1);
            let end = (at + rng.in_range(1..65)).min(bytes.len());
            bytes.drain(at..end);
            if rng.below(2) == 0 {
                fix_length(bytes);
            }
            "delete bytes"
        }
        5 => {
            bytes.truncate(rng.below(bytes.len() + 1));
            if rng.below(2) == 0 {
                fix_length(bytes);
            }
            "truncate"
        }
        6 | 7 => {
            *bytes = assemble(&mutate_numbers(rng, parts.json_text(), &parts.numbers), parts.bin_chunk());
            "change numbers in the JSON"
        }
        8 => {
            let mut json = parts.json_text().to_vec();
            for _ in 0..rng.in_range(1..9) {
                let range = rng.pick(&parts.maxes).clone();
                json[range].fill(b' ');
            }
            if rng.below(2) == 0 {
                // Blanking keeps the layout, so the number tokens are where they were.
                json = mutate_numbers(rng, &json, &parts.numbers);
            }
            *bytes = assemble(&json, parts.bin_chunk());
            "remove max arrays from the JSON"
        }
        _ => {
            let mut json = parts.json_text().to_vec();
            for _ in 0..rng.in_range(1..5) {
                let at = rng.below(json.len());
                json[at] = *rng.pick(b"0123456789-.e[]{},:\" ");
            }
            *bytes = assemble(&json, parts.bin_chunk());
            "change characters in the JSON"
        }
    }
}

/// `text` with one to four of its number tokens replaced; tokens blanked out
/// with spaces are left alone.
fn mutate_numbers(rng: &mut Rng, text: &[u8], numbers: &[Range<usize>]) -> Vec<u8> {
    let mut replaced: Vec<(Range<usize>, String)> = Vec::new();
    for _ in 0..rng.in_range(1..5) {
        let range = rng.pick(numbers).clone();
        if text[range.start] == b' ' {
            continue;
        }
        let value = match rng.below(3) {
            0 => rng.below(300).to_string(),
            _ => (*rng.pick(NUMBERS)).to_owned(),
        };
        replaced.push((range, value));
    }
    replaced.sort_by_key(|(range, _)| range.start);
    replaced.dedup_by_key(|(range, _)| range.start);
    let mut json = Vec::with_capacity(text.len() + 64);
    let mut at = 0;
    for (range, value) in replaced {
        json.extend_from_slice(&text[at..range.start]);
        json.extend_from_slice(value.as_bytes());
        at = range.end;
    }
    json.extend_from_slice(&text[at..]);
    json
}

/// Inspects `bytes`, turning a panic into a failure that names how to reproduce it.
fn inspect_without_panic(bytes: &[u8], what: &str) -> bool {
    match catch_unwind(|| inspect_glb(bytes, &InspectLimits::default())) {
        Ok(Ok(report)) => {
            // Whatever is reported must survive the wire, so no NaN or infinity.
            let json = serde_json::to_string(&report).expect("a report serializes");
            let back: InspectionReport = serde_json::from_str(&json).expect("a report deserializes");
            assert_eq!(back, report, "{what}: the report does not survive JSON");
            true
        }
        Ok(Err(_)) => false,
        Err(_) => panic!("inspect_glb panicked on {what} (seed {SEED:#x})"),
    }
}

#[test]
fn mutated_robots_never_panic() {
    let parts = Parts::new();
    let started = Instant::now();
    let ok = AtomicU64::new(0);
    // Iterations are independent, so they are shared out over a few threads.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4) as u64;
    std::thread::scope(|scope| {
        for thread in 0..threads {
            let (parts, ok) = (&parts, &ok);
            scope.spawn(move || {
                for iteration in (thread..ITERATIONS).step_by(usize::try_from(threads).unwrap()) {
                    let mut rng = Rng::for_iteration(iteration);
                    let mut bytes = parts.bytes.clone();
                    let mut applied = vec![mutate(&mut rng, parts, &mut bytes)];
                    if rng.below(4) == 0 {
                        applied.push(mutate(&mut rng, parts, &mut bytes));
                    }
                    let what = format!("iteration {iteration} ({})", applied.join(", then "));
                    if inspect_without_panic(&bytes, &what) {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });

    // Every 997th truncation, as is and with the header's length made to match.
    let mut truncations = 0;
    for length in (0..parts.bytes.len()).step_by(997) {
        let mut bytes = parts.bytes[..length].to_vec();
        inspect_without_panic(&bytes, &format!("the fixture truncated to {length} bytes"));
        fix_length(&mut bytes);
        inspect_without_panic(&bytes, &format!("the fixture truncated to {length} bytes, length fixed"));
        truncations += 2;
    }

    let ok = ok.into_inner();
    println!(
        "{ITERATIONS} mutations ({ok} inspected without error) and {truncations} truncations in {:.1?} on {threads} threads",
        started.elapsed()
    );
    // Mutations that leave the file valid (a material's colour, a key time)
    // must still be inspected, or the test only exercises the early checks.
    assert!(ok > ITERATIONS / 50, "only {ok} of {ITERATIONS} mutated files were inspected without error");
}
