//! Morph-target expressions laid over the playing slot.

use bevy::mesh::morph::MorphWeights;
use bevy::prelude::*;

use crate::playback::Playback;

/// The morph targets of one morphable mesh of the avatar, by name, with the
/// weights the file gave them, to go back to when an expression ends.
#[derive(Component, Debug, Clone)]
pub struct MorphTargets {
    names: Vec<String>,
    defaults: Vec<f32>,
}

impl MorphTargets {
    pub(crate) fn new(names: Vec<String>, defaults: Vec<f32>) -> Self {
        Self { names, defaults }
    }

    /// The index of the target called `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|candidate| candidate == name)
    }

    /// The targets' names, in the mesh's order.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// Weights the playing binding's expression on every mesh that has its morph
/// target, fading it in over the binding's crossfade, and puts the previous
/// expression's target back to its default when the expression changes.
///
/// It runs after the animation systems, so an expression wins over a clip
/// that animates the same target.
pub(crate) fn apply_expression(
    playback: Res<Playback>,
    time: Res<Time>,
    mut meshes: Query<(&MorphTargets, &mut MorphWeights)>,
    mut previous: Local<Option<String>>,
) {
    let expression = playback.now().and_then(|now| now.binding.expression.as_ref().map(|expression| (now, expression)));
    let target = expression.map(|(_, expression)| expression.morph_target.as_str().to_owned());
    if *previous != target
        && let Some(old) = previous.as_deref()
    {
        for (targets, mut weights) in &mut meshes {
            if let Some(index) = targets.index(old)
                && let (Some(weight), Some(default)) =
                    (weights.weights_mut().get_mut(index), targets.defaults.get(index))
            {
                *weight = *default;
            }
        }
    }
    previous.clone_from(&target);

    let Some((now, expression)) = expression else {
        return;
    };
    let fade = now.binding.crossfade_secs.value();
    let since = time.elapsed().saturating_sub(now.started).as_secs_f64();
    let share = if fade > 0.0 { (since / fade).min(1.0) } else { 1.0 };
    let weight = (expression.weight.value() * share) as f32;
    for (targets, mut weights) in &mut meshes {
        if let Some(index) = targets.index(expression.morph_target.as_str())
            && let Some(slot) = weights.weights_mut().get_mut(index)
        {
            *slot = weight;
        }
    }
}
