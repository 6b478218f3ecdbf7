//! One clip per slot, as a few key poses interpolated linearly: a robot may
//! move a little stiffly.
//!
//! A key lists the turns of the joints that are not at rest; every joint it
//! leaves out is at rest at that time. Every clip starts and ends at rest, so
//! the player can loop it or cross-fade from it to idle without a jump.
//!
//! Turns are [`Turn`]s (pitch about X, then yaw about Y, then roll about Z,
//! in degrees). With the robot facing +Z and its left at +X, that means:
//! - Upper arms: sideways raise is +Z on the left, -Z on the right; forward
//!   raise is -X on both sides.
//! - Forearms: bending the elbow forward and up is -X; when the arm is
//!   raised sideways, +Z on the left (-Z on the right) lifts the hand further.
//! - Head, neck and spine: +X bows forward, +Y turns to the robot's left,
//!   +Z tilts the top towards its right.
//! - Shoulders: a shrug is +Z on the left and -Z on the right; a slump the opposite.
//! - Hips are only ever lifted (`lift`), for hops and jumps; turning them
//!   would swing the feet through the floor.

use animo_shared::avatar::slots::Slot;

use super::body::Joint::{self, *};
use super::math::Turn;

/// A pose at a time.
#[derive(Debug)]
pub struct Key {
    /// Seconds from the start of the clip.
    pub time: f32,
    /// The hips' translation from their rest position, in metres.
    pub lift: [f32; 3],
    /// The joints away from rest.
    pub pose: &'static [(Joint, Turn)],
}

/// The keys of one slot's clip.
#[derive(Debug)]
pub struct Clip {
    pub slot: Slot,
    pub keys: &'static [Key],
}

impl Clip {
    pub fn duration(&self) -> f32 {
        self.keys.last().map_or(0.0, |key| key.time)
    }

    /// The turn of `joint` at every key, rest included.
    pub fn turns(&self, joint: Joint) -> Vec<Turn> {
        self.keys.iter().map(|key| turn_in(key.pose, joint)).collect()
    }

    /// Whether any key moves `joint`.
    pub fn moves(&self, joint: Joint) -> bool {
        self.keys.iter().any(|key| key.pose.iter().any(|(posed, _)| *posed == joint))
    }

    /// Whether any key lifts the hips.
    pub fn lifts(&self) -> bool {
        self.keys.iter().any(|key| key.lift != [0.0; 3])
    }
}

fn turn_in(pose: &[(Joint, Turn)], joint: Joint) -> Turn {
    pose.iter().find(|(posed, _)| *posed == joint).map_or([0.0; 3], |(_, turn)| *turn)
}

const fn key(time: f32, pose: &'static [(Joint, Turn)]) -> Key {
    Key { time, lift: [0.0; 3], pose }
}

const fn lifted(time: f32, height: f32, pose: &'static [(Joint, Turn)]) -> Key {
    Key { time, lift: [0.0, height, 0.0], pose }
}

const REST: &[(Joint, Turn)] = &[];

/// Every slot's clip, in [`Slot::ALL`] order.
pub const CLIPS: &[Clip] = &[
    // Slow breathing: the chest rises and the shoulders with it, while the
    // upper body sways from side to side.
    Clip {
        slot: Slot::Idle,
        keys: &[
            key(0.0, REST),
            key(
                0.75,
                &[
                    (Spine, [-1.5, 0.0, 2.5]),
                    (Head, [1.0, 0.0, -2.0]),
                    (ShoulderL, [0.0, 0.0, 2.0]),
                    (ShoulderR, [0.0, 0.0, -2.0]),
                    (UpperArmL, [0.0, 0.0, -1.0]),
                    (UpperArmR, [0.0, 0.0, 1.0]),
                ],
            ),
            key(
                1.5,
                &[
                    (Spine, [-3.0, 0.0, 0.0]),
                    (Head, [2.0, 0.0, 0.0]),
                    (ShoulderL, [0.0, 0.0, 4.0]),
                    (ShoulderR, [0.0, 0.0, -4.0]),
                    (UpperArmL, [0.0, 0.0, -2.0]),
                    (UpperArmR, [0.0, 0.0, 2.0]),
                ],
            ),
            key(
                2.25,
                &[
                    (Spine, [-1.5, 0.0, -2.5]),
                    (Head, [1.0, 0.0, 2.0]),
                    (ShoulderL, [0.0, 0.0, 2.0]),
                    (ShoulderR, [0.0, 0.0, -2.0]),
                    (UpperArmL, [0.0, 0.0, -1.0]),
                    (UpperArmR, [0.0, 0.0, 1.0]),
                ],
            ),
            key(3.0, REST),
        ],
    },
    // Looking around: left, a pause, right, a pause.
    Clip {
        slot: Slot::IdleVariant,
        keys: &[
            key(0.0, REST),
            key(0.6, LOOK_LEFT),
            key(1.2, LOOK_LEFT),
            key(1.9, LOOK_RIGHT),
            key(2.4, LOOK_RIGHT),
            key(3.0, REST),
        ],
    },
    // Leaning in with the head tilted, as if to hear better.
    Clip {
        slot: Slot::Listening,
        keys: &[
            key(0.0, REST),
            key(0.6, &[(Spine, [5.0, 0.0, 0.0]), (Neck, [3.0, 0.0, -4.0]), (Head, [6.0, 6.0, -14.0])]),
            key(1.5, &[(Spine, [5.0, 0.0, 0.0]), (Neck, [3.0, 0.0, -4.0]), (Head, [4.0, 4.0, -17.0])]),
            key(2.0, &[(Spine, [4.0, 0.0, 0.0]), (Neck, [2.0, 0.0, -3.0]), (Head, [6.0, 6.0, -13.0])]),
            key(2.5, REST),
        ],
    },
    // Right hand to the chin, left arm across the waist, eyes up and aside.
    Clip {
        slot: Slot::Thinking,
        keys: &[key(0.0, REST), key(0.7, PONDER), key(1.5, PONDER_MORE), key(2.3, PONDER), key(3.0, REST)],
    },
    // Nodding along while the hands take turns to gesture.
    Clip {
        slot: Slot::Talking,
        keys: &[
            key(0.0, REST),
            key(0.3, &[(Head, [5.0, 0.0, -2.0]), (UpperArmR, [-20.0, 0.0, -8.0]), (ForearmR, [-45.0, 0.0, 0.0])]),
            key(0.6, &[(Head, [-3.0, 4.0, 0.0]), (UpperArmR, [-28.0, 0.0, -12.0]), (ForearmR, [-65.0, 0.0, 0.0])]),
            key(
                0.9,
                &[
                    (Head, [5.0, 0.0, 2.0]),
                    (UpperArmR, [-15.0, 0.0, -5.0]),
                    (ForearmR, [-40.0, 0.0, 0.0]),
                    (UpperArmL, [-10.0, 0.0, 5.0]),
                    (ForearmL, [-30.0, 0.0, 0.0]),
                ],
            ),
            key(1.2, &[(Head, [-2.0, -4.0, 0.0]), (UpperArmL, [-25.0, 0.0, 12.0]), (ForearmL, [-60.0, 0.0, 0.0])]),
            key(
                1.5,
                &[
                    (Head, [6.0, 0.0, -2.0]),
                    (UpperArmL, [-18.0, 0.0, 8.0]),
                    (ForearmL, [-45.0, 0.0, 0.0]),
                    (UpperArmR, [-12.0, 0.0, -4.0]),
                    (ForearmR, [-30.0, 0.0, 0.0]),
                ],
            ),
            key(1.8, &[(Head, [-3.0, 3.0, 1.0]), (UpperArmR, [-25.0, 0.0, -10.0]), (ForearmR, [-60.0, 0.0, 0.0])]),
            key(2.1, &[(Head, [4.0, 0.0, 0.0]), (UpperArmR, [-12.0, 0.0, -4.0]), (ForearmR, [-30.0, 0.0, 0.0])]),
            key(2.4, REST),
        ],
    },
    // A quick, lively wave with the right hand.
    Clip {
        slot: Slot::Greeting,
        keys: &[
            key(0.0, REST),
            key(0.4, HELLO_OUT),
            key(0.7, HELLO_IN),
            key(1.0, HELLO_OUT),
            key(1.3, HELLO_IN),
            key(1.6, HELLO_OUT),
            key(2.0, HELLO_IN),
            key(2.4, REST),
        ],
    },
    // A higher, slower wave that ends with a small bow of the head.
    Clip {
        slot: Slot::Farewell,
        keys: &[
            key(0.0, REST),
            key(0.5, BYE_OUT),
            key(0.95, BYE_IN),
            key(1.4, BYE_OUT),
            key(1.85, BYE_IN),
            key(2.3, &[(Head, [14.0, 0.0, 0.0]), (Spine, [6.0, 0.0, 0.0]), (UpperArmR, [-10.0, 0.0, -60.0])]),
            key(2.8, REST),
        ],
    },
    Clip {
        slot: Slot::NodYes,
        keys: &[
            key(0.0, REST),
            key(0.2, NOD_DOWN),
            key(0.45, &[(Head, [-4.0, 0.0, 0.0])]),
            key(0.7, NOD_DOWN),
            key(0.95, &[(Head, [-3.0, 0.0, 0.0])]),
            key(1.25, &[(Head, [6.0, 0.0, 0.0])]),
            key(1.6, REST),
        ],
    },
    Clip {
        slot: Slot::ShakeNo,
        keys: &[
            key(0.0, REST),
            key(0.2, &[(Neck, [0.0, -5.0, 0.0]), (Head, [2.0, -25.0, 0.0])]),
            key(0.5, &[(Neck, [0.0, 5.0, 0.0]), (Head, [2.0, 25.0, 0.0])]),
            key(0.8, &[(Neck, [0.0, -4.0, 0.0]), (Head, [2.0, -22.0, 0.0])]),
            key(1.1, &[(Neck, [0.0, 3.0, 0.0]), (Head, [2.0, 16.0, 0.0])]),
            key(1.35, &[(Head, [1.0, -7.0, 0.0])]),
            key(1.6, REST),
        ],
    },
    // Arms up a little, chin up, bouncing on the spot.
    Clip {
        slot: Slot::Happy,
        keys: &[
            key(0.0, REST),
            lifted(0.35, 0.03, JOY_UP),
            key(0.6, JOY_DOWN),
            lifted(0.85, 0.03, JOY_UP),
            key(1.1, JOY_DOWN),
            lifted(1.35, 0.02, JOY_UP),
            key(1.65, JOY_DOWN),
            key(2.0, REST),
        ],
    },
    // Leaning back with the hands on the belly, the torso shaking.
    Clip {
        slot: Slot::Laughing,
        keys: &[
            key(0.0, REST),
            key(0.2, HA),
            key(0.4, HO),
            key(0.6, HA),
            key(0.8, HO),
            key(1.0, HA),
            key(1.2, HO),
            key(1.4, HA),
            key(1.6, HO),
            key(2.0, REST),
        ],
    },
    // Head down, shoulders slumped, a slow sigh.
    Clip { slot: Slot::Sad, keys: &[key(0.0, REST), key(0.8, GLUM), key(2.2, GLUMMER), key(3.0, REST)] },
    // Both arms fly up at once and the body jolts back.
    Clip {
        slot: Slot::Surprised,
        keys: &[
            key(0.0, REST),
            lifted(0.15, 0.025, STARTLED),
            key(
                0.35,
                &[
                    (Spine, [-6.0, 0.0, 0.0]),
                    (Head, [-8.0, 0.0, 0.0]),
                    (UpperArmL, [-20.0, 0.0, 70.0]),
                    (ForearmL, [-20.0, 0.0, 55.0]),
                    (UpperArmR, [-20.0, 0.0, -70.0]),
                    (ForearmR, [-20.0, 0.0, -55.0]),
                ],
            ),
            key(1.0, STARTLED),
            key(1.5, REST),
        ],
    },
    // Leaning forward with the fists down and shaking.
    Clip {
        slot: Slot::Angry,
        keys: &[
            key(0.0, REST),
            key(0.3, FUMING),
            key(0.55, SEETHING),
            key(0.8, FUMING),
            key(1.05, SEETHING),
            key(1.3, FUMING),
            key(1.6, FUMING),
            key(2.0, REST),
        ],
    },
    // Head tilted, shoulders shrugged, palms out.
    Clip { slot: Slot::Confused, keys: &[key(0.0, REST), key(0.5, SHRUG), key(1.7, SHRUG_MORE), key(2.4, REST)] },
    // Right arm forward with the hand up, pumped once.
    Clip {
        slot: Slot::ThumbsUp,
        keys: &[
            key(0.0, REST),
            key(0.4, THUMB),
            key(0.6, &[(Head, [8.0, 0.0, 0.0]), (UpperArmR, [-62.0, 0.0, -10.0]), (ForearmR, [-75.0, 0.0, 0.0])]),
            key(0.85, THUMB),
            key(1.5, THUMB),
            key(2.0, REST),
        ],
    },
    // Right arm stretched out sideways, the head turned to follow it.
    Clip {
        slot: Slot::Pointing,
        keys: &[
            key(0.0, REST),
            key(0.4, POINT),
            key(
                1.5,
                &[
                    (Spine, [0.0, -8.0, 0.0]),
                    (Head, [-3.0, -32.0, 0.0]),
                    (UpperArmR, [-22.0, 0.0, -92.0]),
                    (ForearmR, [0.0, 0.0, -4.0]),
                ],
            ),
            key(2.0, REST),
        ],
    },
    // Both arms up and two jumps.
    Clip {
        slot: Slot::Celebrating,
        keys: &[
            key(0.0, REST),
            key(0.3, CHEER),
            lifted(0.55, 0.16, CHEER_AIRBORNE),
            key(0.8, CHEER),
            lifted(1.05, 0.16, CHEER_AIRBORNE),
            key(1.3, CHEER),
            key(1.9, CHEER),
            key(2.4, REST),
        ],
    },
    // A bow with the hands together in front.
    Clip { slot: Slot::Apologetic, keys: &[key(0.0, REST), key(0.7, BOW), key(1.8, BOW_LOWER), key(2.6, REST)] },
    // Slumped, head lolling from side to side.
    Clip {
        slot: Slot::Bored,
        keys: &[key(0.0, REST), key(0.7, SLOUCH_LEFT), key(1.5, SLOUCH_RIGHT), key(2.3, SLOUCH_LEFT), key(3.0, REST)],
    },
];

const LOOK_LEFT: &[(Joint, Turn)] = &[(Spine, [0.0, 5.0, 0.0]), (Neck, [0.0, 10.0, 0.0]), (Head, [-4.0, 25.0, 0.0])];
const LOOK_RIGHT: &[(Joint, Turn)] = &[(Spine, [0.0, -5.0, 0.0]), (Neck, [0.0, -10.0, 0.0]), (Head, [3.0, -25.0, 2.0])];

const PONDER: &[(Joint, Turn)] = &[
    (Spine, [2.0, 0.0, 0.0]),
    (Head, [-8.0, -10.0, 6.0]),
    (UpperArmR, [-50.0, 35.0, 0.0]),
    (ForearmR, [-123.0, 0.0, -24.0]),
    (UpperArmL, [-27.0, -10.0, 0.0]),
    (ForearmL, [-23.0, 0.0, -89.0]),
];
const PONDER_MORE: &[(Joint, Turn)] = &[
    (Spine, [2.0, 0.0, 0.0]),
    (Head, [-10.0, -14.0, 9.0]),
    (UpperArmR, [-50.0, 35.0, 0.0]),
    (ForearmR, [-123.0, 0.0, -24.0]),
    (UpperArmL, [-27.0, -10.0, 0.0]),
    (ForearmL, [-23.0, 0.0, -89.0]),
];

const HELLO_OUT: &[(Joint, Turn)] = &[
    (Spine, [-3.0, 0.0, 0.0]),
    (Head, [0.0, -5.0, 4.0]),
    (UpperArmR, [0.0, 0.0, -110.0]),
    (ForearmR, [0.0, 0.0, -15.0]),
];
const HELLO_IN: &[(Joint, Turn)] = &[
    (Spine, [-3.0, 0.0, 0.0]),
    (Head, [0.0, -5.0, 4.0]),
    (UpperArmR, [0.0, 0.0, -110.0]),
    (ForearmR, [0.0, 0.0, -55.0]),
];

const BYE_OUT: &[(Joint, Turn)] =
    &[(Head, [4.0, 0.0, 4.0]), (UpperArmR, [-20.0, 0.0, -130.0]), (ForearmR, [0.0, 0.0, -10.0])];
const BYE_IN: &[(Joint, Turn)] =
    &[(Head, [4.0, 0.0, 4.0]), (UpperArmR, [-20.0, 0.0, -130.0]), (ForearmR, [0.0, 0.0, -50.0])];

const NOD_DOWN: &[(Joint, Turn)] = &[(Neck, [5.0, 0.0, 0.0]), (Head, [16.0, 0.0, 0.0])];

const JOY_UP: &[(Joint, Turn)] = &[
    (Spine, [-3.0, 0.0, 0.0]),
    (Head, [-8.0, 0.0, 0.0]),
    (UpperArmL, [0.0, 0.0, 45.0]),
    (ForearmL, [-20.0, 0.0, 90.0]),
    (UpperArmR, [0.0, 0.0, -45.0]),
    (ForearmR, [-20.0, 0.0, -90.0]),
];
const JOY_DOWN: &[(Joint, Turn)] = &[
    (Spine, [-3.0, 0.0, 0.0]),
    (Head, [-10.0, 0.0, 4.0]),
    (UpperArmL, [0.0, 0.0, 35.0]),
    (ForearmL, [-20.0, 0.0, 100.0]),
    (UpperArmR, [0.0, 0.0, -35.0]),
    (ForearmR, [-20.0, 0.0, -100.0]),
];

const HA: &[(Joint, Turn)] = &[
    (Spine, [-10.0, 0.0, 4.0]),
    (Neck, [-4.0, 0.0, 0.0]),
    (Head, [-12.0, 0.0, -3.0]),
    (ShoulderL, [0.0, 0.0, 6.0]),
    (ShoulderR, [0.0, 0.0, -6.0]),
    (UpperArmL, [-15.0, -25.0, 6.0]),
    (ForearmL, [-70.0, 0.0, 0.0]),
    (UpperArmR, [-15.0, 25.0, -6.0]),
    (ForearmR, [-70.0, 0.0, 0.0]),
];
const HO: &[(Joint, Turn)] = &[
    (Spine, [-6.0, 0.0, -4.0]),
    (Neck, [-2.0, 0.0, 0.0]),
    (Head, [-8.0, 0.0, 3.0]),
    (UpperArmL, [-15.0, -25.0, 6.0]),
    (ForearmL, [-60.0, 0.0, 0.0]),
    (UpperArmR, [-15.0, 25.0, -6.0]),
    (ForearmR, [-60.0, 0.0, 0.0]),
];

const GLUM: &[(Joint, Turn)] = &[
    (Spine, [12.0, 0.0, 0.0]),
    (Neck, [8.0, 0.0, 0.0]),
    (Head, [22.0, 0.0, 0.0]),
    (ShoulderL, [0.0, 0.0, -10.0]),
    (ShoulderR, [0.0, 0.0, 10.0]),
    (UpperArmL, [-12.0, 0.0, 8.0]),
    (UpperArmR, [-12.0, 0.0, -8.0]),
];
const GLUMMER: &[(Joint, Turn)] = &[
    (Spine, [14.0, 0.0, 0.0]),
    (Neck, [8.0, 0.0, 0.0]),
    (Head, [26.0, 0.0, 4.0]),
    (ShoulderL, [0.0, 0.0, -12.0]),
    (ShoulderR, [0.0, 0.0, 12.0]),
    (UpperArmL, [-14.0, 0.0, 10.0]),
    (UpperArmR, [-14.0, 0.0, -10.0]),
];

const STARTLED: &[(Joint, Turn)] = &[
    (Spine, [-8.0, 0.0, 0.0]),
    (Head, [-10.0, 0.0, 0.0]),
    (UpperArmL, [-20.0, 0.0, 75.0]),
    (ForearmL, [-20.0, 0.0, 60.0]),
    (UpperArmR, [-20.0, 0.0, -75.0]),
    (ForearmR, [-20.0, 0.0, -60.0]),
];

const FUMING: &[(Joint, Turn)] = &[
    (Spine, [12.0, 0.0, 0.0]),
    (Neck, [-4.0, 0.0, 0.0]),
    (Head, [-8.0, 0.0, 0.0]),
    (ShoulderL, [0.0, 0.0, 5.0]),
    (ShoulderR, [0.0, 0.0, -5.0]),
    (UpperArmL, [-2.0, 0.0, 12.0]),
    (ForearmL, [-25.0, 0.0, 0.0]),
    (UpperArmR, [-2.0, 0.0, -12.0]),
    (ForearmR, [-25.0, 0.0, 0.0]),
];
const SEETHING: &[(Joint, Turn)] = &[
    (Spine, [12.0, 0.0, 0.0]),
    (Neck, [-4.0, 0.0, 0.0]),
    (Head, [-6.0, 0.0, 0.0]),
    (ShoulderL, [0.0, 0.0, 5.0]),
    (ShoulderR, [0.0, 0.0, -5.0]),
    (UpperArmL, [-2.0, 0.0, 12.0]),
    (ForearmL, [-40.0, 0.0, 0.0]),
    (UpperArmR, [-2.0, 0.0, -12.0]),
    (ForearmR, [-40.0, 0.0, 0.0]),
];

const SHRUG: &[(Joint, Turn)] = &[
    (Neck, [0.0, 0.0, 6.0]),
    (Head, [0.0, -6.0, 16.0]),
    (ShoulderL, [0.0, 0.0, 14.0]),
    (ShoulderR, [0.0, 0.0, -14.0]),
    (UpperArmL, [-10.0, 0.0, 2.0]),
    (ForearmL, [-75.0, 30.0, 0.0]),
    (UpperArmR, [-10.0, 0.0, -2.0]),
    (ForearmR, [-75.0, -30.0, 0.0]),
];
const SHRUG_MORE: &[(Joint, Turn)] = &[
    (Neck, [0.0, 0.0, 6.0]),
    (Head, [0.0, -8.0, 19.0]),
    (ShoulderL, [0.0, 0.0, 12.0]),
    (ShoulderR, [0.0, 0.0, -12.0]),
    (UpperArmL, [-10.0, 0.0, 4.0]),
    (ForearmL, [-80.0, 35.0, 0.0]),
    (UpperArmR, [-10.0, 0.0, -4.0]),
    (ForearmR, [-80.0, -35.0, 0.0]),
];

const THUMB: &[(Joint, Turn)] = &[
    (Spine, [-2.0, 0.0, 0.0]),
    (Head, [6.0, 0.0, 0.0]),
    (UpperArmR, [-55.0, 0.0, -10.0]),
    (ForearmR, [-60.0, 0.0, 0.0]),
];

const POINT: &[(Joint, Turn)] = &[
    (Spine, [0.0, -8.0, 0.0]),
    (Head, [0.0, -30.0, 0.0]),
    (UpperArmR, [-20.0, 0.0, -88.0]),
    (ForearmR, [0.0, 0.0, -4.0]),
];

const CHEER: &[(Joint, Turn)] = &[
    (Head, [-10.0, 0.0, 0.0]),
    (UpperArmL, [0.0, 0.0, 155.0]),
    (ForearmL, [0.0, 0.0, 10.0]),
    (UpperArmR, [0.0, 0.0, -155.0]),
    (ForearmR, [0.0, 0.0, -10.0]),
];
const CHEER_AIRBORNE: &[(Joint, Turn)] = &[
    (Head, [-12.0, 0.0, 0.0]),
    (UpperArmL, [0.0, 0.0, 160.0]),
    (ForearmL, [0.0, 0.0, 20.0]),
    (UpperArmR, [0.0, 0.0, -160.0]),
    (ForearmR, [0.0, 0.0, -20.0]),
    (ThighL, [0.0, 0.0, 6.0]),
    (ThighR, [0.0, 0.0, -6.0]),
];

const BOW: &[(Joint, Turn)] = &[
    (Spine, [28.0, 0.0, 0.0]),
    (Neck, [5.0, 0.0, 0.0]),
    (Head, [12.0, 0.0, 0.0]),
    (UpperArmL, [-38.0, 0.0, -6.0]),
    (ForearmL, [-20.0, 0.0, 0.0]),
    (UpperArmR, [-38.0, 0.0, 6.0]),
    (ForearmR, [-20.0, 0.0, 0.0]),
];
const BOW_LOWER: &[(Joint, Turn)] = &[
    (Spine, [30.0, 0.0, 0.0]),
    (Neck, [5.0, 0.0, 0.0]),
    (Head, [16.0, 0.0, 0.0]),
    (UpperArmL, [-40.0, 0.0, -6.0]),
    (ForearmL, [-20.0, 0.0, 0.0]),
    (UpperArmR, [-40.0, 0.0, 6.0]),
    (ForearmR, [-20.0, 0.0, 0.0]),
];

const SLOUCH_LEFT: &[(Joint, Turn)] = &[
    (Spine, [8.0, 0.0, 4.0]),
    (Neck, [4.0, 0.0, 0.0]),
    (Head, [10.0, 0.0, 8.0]),
    (ShoulderL, [0.0, 0.0, -8.0]),
    (ShoulderR, [0.0, 0.0, 8.0]),
    (UpperArmL, [-8.0, 0.0, 6.0]),
    (UpperArmR, [-8.0, 0.0, -6.0]),
];
const SLOUCH_RIGHT: &[(Joint, Turn)] = &[
    (Spine, [8.0, 0.0, -4.0]),
    (Neck, [4.0, 0.0, 0.0]),
    (Head, [12.0, 6.0, -8.0]),
    (ShoulderL, [0.0, 0.0, -8.0]),
    (ShoulderR, [0.0, 0.0, 8.0]),
    (UpperArmL, [-8.0, 0.0, 6.0]),
    (UpperArmR, [-8.0, 0.0, -6.0]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_one_clip_per_slot_in_catalogue_order() {
        let slots: Vec<Slot> = CLIPS.iter().map(|clip| clip.slot).collect();
        assert_eq!(slots, Slot::ALL);
    }

    #[test]
    fn clips_last_one_to_three_seconds_and_start_and_end_at_rest() {
        for clip in CLIPS {
            let name = clip.slot.name();
            assert!((1.0..=3.0).contains(&clip.duration()), "{name} lasts {}", clip.duration());
            assert_eq!(clip.keys[0].time, 0.0, "{name}");
            assert!(clip.keys.windows(2).all(|pair| pair[0].time < pair[1].time), "{name}: times must increase");
            for end in [&clip.keys[0], &clip.keys[clip.keys.len() - 1]] {
                assert!(end.pose.is_empty() && end.lift == [0.0; 3], "{name} must start and end at rest");
            }
            for key in clip.keys {
                for (index, (joint, _)) in key.pose.iter().enumerate() {
                    assert_ne!(*joint, Root, "{name}: the root stays put");
                    assert!(!key.pose[..index].iter().any(|(other, _)| other == joint), "{name}: {joint:?} twice");
                }
            }
        }
    }

    #[test]
    fn every_clip_moves_something_and_no_two_clips_are_the_same() {
        for (index, clip) in CLIPS.iter().enumerate() {
            assert!(clip.keys.iter().any(|key| !key.pose.is_empty()), "{} stands still", clip.slot.name());
            for other in &CLIPS[..index] {
                let same = clip.keys.len() == other.keys.len()
                    && clip.keys.iter().zip(other.keys).all(|(a, b)| a.time == b.time && a.pose == b.pose);
                assert!(!same, "{} and {} are the same clip", clip.slot.name(), other.slot.name());
            }
        }
    }
}
