//! The little math the demo avatar needs: rotations from angles, and the
//! inverse bind matrix of a joint whose bind pose is a pure translation.
//!
//! The committed file must come out byte for byte the same on every machine,
//! so nothing here calls the platform's `sin` or `cos`, whose last bit may
//! differ between C libraries. Sine and cosine are Taylor series evaluated
//! with `+`, `*` and `/` in `f64`, which IEEE 754 defines exactly; Rust does
//! not fuse them into FMAs behind our back.

/// A rotation as a unit quaternion in glTF's order: `[x, y, z, w]`.
pub type Quat = [f32; 4];

/// A turn of a joint as Euler angles in degrees: about X (pitch), then Y
/// (yaw), then Z (roll), each about the parent's axes.
pub type Turn = [f32; 3];

/// The unit quaternion of `turn`.
pub fn quat_from_turn(turn: Turn) -> Quat {
    let [pitch, yaw, roll] = turn.map(f64::from);
    let x = axis_angle([1.0, 0.0, 0.0], pitch);
    let y = axis_angle([0.0, 1.0, 0.0], yaw);
    let z = axis_angle([0.0, 0.0, 1.0], roll);
    // The rotation applied first stands rightmost.
    let [qx, qy, qz, qw] = multiply(z, multiply(y, x));
    let length = (qx * qx + qy * qy + qz * qz + qw * qw).sqrt();
    [qx, qy, qz, qw].map(|component| (component / length) as f32)
}

/// The column-major 4×4 matrix that moves a point by `-position`: the inverse
/// of a joint's world transform when, as here, the bind pose has no rotation
/// or scale.
pub fn inverse_bind_matrix(position: [f32; 3]) -> [f32; 16] {
    let [x, y, z] = position;
    [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, -x, -y, -z, 1.0]
}

/// The quaternion `[x, y, z, w]` turning by `degrees` about the unit `axis`.
fn axis_angle(axis: [f64; 3], degrees: f64) -> [f64; 4] {
    let (sin, cos) = sin_cos_degrees(degrees / 2.0);
    [axis[0] * sin, axis[1] * sin, axis[2] * sin, cos]
}

/// The Hamilton product `a * b`: the rotation `b`, then `a`.
fn multiply(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    let [ax, ay, az, aw] = a;
    let [bx, by, bz, bw] = b;
    [
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    ]
}

/// The sine and cosine of an angle in degrees, from Taylor series.
fn sin_cos_degrees(degrees: f64) -> (f64, f64) {
    // `%` on floats is exact, and so are the corrections, so the reduced angle
    // lies in [-180, 180] and the series below converge quickly.
    let mut reduced = degrees % 360.0;
    if reduced > 180.0 {
        reduced -= 360.0;
    } else if reduced < -180.0 {
        reduced += 360.0;
    }
    let x = reduced * std::f64::consts::PI / 180.0;
    // For |x| <= pi the first omitted terms are below 1e-16.
    let mut sin = 0.0;
    let mut cos = 0.0;
    let mut sin_term = x;
    let mut cos_term = 1.0;
    for n in 1..=15 {
        sin += sin_term;
        cos += cos_term;
        let n = f64::from(n);
        sin_term *= -x * x / ((2.0 * n) * (2.0 * n + 1.0));
        cos_term *= -x * x / ((2.0 * n - 1.0) * (2.0 * n));
    }
    (sin, cos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sine_and_cosine_match_the_platform_closely() {
        for tenth in -7200..=7200 {
            let degrees = f64::from(tenth) / 10.0;
            let (sin, cos) = sin_cos_degrees(degrees);
            let radians = degrees.to_radians();
            assert!((sin - radians.sin()).abs() < 1e-12, "sin {degrees}");
            assert!((cos - radians.cos()).abs() < 1e-12, "cos {degrees}");
        }
    }

    #[test]
    fn turns_are_unit_quaternions_in_the_documented_order() {
        assert_eq!(quat_from_turn([0.0, 0.0, 0.0]), [0.0, 0.0, 0.0, 1.0]);
        let half = std::f32::consts::FRAC_1_SQRT_2;
        let [x, y, z, w] = quat_from_turn([90.0, 0.0, 0.0]);
        assert!((x - half).abs() < 1e-6 && y == 0.0 && z == 0.0 && (w - half).abs() < 1e-6);

        // Pitch 90 then yaw 90 sends +Y to +Z (pitch), then +Z to +X (yaw).
        let [x, y, z, w] = quat_from_turn([90.0, 90.0, 0.0]).map(f64::from);
        let v = [0.0, 1.0, 0.0];
        let rotated = rotate([x, y, z, w], v);
        assert!((rotated[0] - 1.0).abs() < 1e-6 && rotated[1].abs() < 1e-6 && rotated[2].abs() < 1e-6);

        for turn in [[10.0, -35.0, 160.0], [-90.0, 45.0, -150.0]] {
            let [x, y, z, w] = quat_from_turn(turn);
            let length = (x * x + y * y + z * z + w * w).sqrt();
            assert!((length - 1.0).abs() < 1e-6);
        }
    }

    fn rotate(q: [f64; 4], v: [f64; 3]) -> [f64; 3] {
        let conjugate = [-q[0], -q[1], -q[2], q[3]];
        let [x, y, z, _] = multiply(multiply(q, [v[0], v[1], v[2], 0.0]), conjugate);
        [x, y, z]
    }
}
