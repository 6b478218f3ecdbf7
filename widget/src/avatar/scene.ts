/**
 * The three.js side of the avatar: renderer, model, camera and light, and
 * an `AnimationMixer` that does what the mapping player decides.
 */
import {
  AnimationMixer,
  Box3,
  DirectionalLight,
  HemisphereLight,
  LoopOnce,
  LoopRepeat,
  Mesh,
  PerspectiveCamera,
  Quaternion,
  Raycaster,
  Scene,
  SkinnedMesh,
  Texture,
  Vector2,
  Vector3,
  WebGLRenderer,
  type AnimationAction,
  type AnimationClip,
  type Bone,
  type Material,
  type Object3D,
} from "three";
import { GLTFLoader } from "three/examples/jsm/loaders/GLTFLoader.js";
import type { ExpressionWeight, Play } from "./player";

/** The largest device pixel ratio drawn: sharper looks the same on a small avatar and costs the battery. */
export const MAX_PIXEL_RATIO = 1.5;
/** How far the head turns towards the pointer, in radians. */
const MAX_HEAD_YAW = 0.6;
const MAX_HEAD_PITCH = 0.3;
/** How quickly the head catches up with the pointer, per second. */
const HEAD_FOLLOW_RATE = 6;
const FIELD_OF_VIEW = 30;

/** Morph targets of one mesh, with the weights the file gave them. */
interface Morphable {
  dictionary: Record<string, number>;
  influences: number[];
  defaults: number[];
}

export interface AvatarScene {
  readonly canvas: HTMLCanvasElement;
  /** Clip names and durations in seconds. */
  readonly clips: ReadonlyMap<string, number>;
  /** Starts a slot's clip with its crossfade, loop mode and speed. */
  play(play: Play): void;
  /** Advances the animation by `delta` seconds, lays the expression and the head's turn over it, and draws. */
  frame(delta: number, expression: ExpressionWeight | null, look: { x: number; y: number } | null): void;
  /** Sets the drawing size in CSS pixels. */
  resize(width: number, height: number): void;
  /** Whether a point in client coordinates falls on the model. */
  hits(clientX: number, clientY: number): boolean;
  /** Where the head sits on the page, in client coordinates; the model's centre when it has no head bone. */
  headOnPage(): { x: number; y: number };
  dispose(): void;
}

/** Creates the renderer on a new canvas, loads the model and frames it. Rejects with a readable Error. */
export async function createScene(modelUrl: string, preserveDrawingBuffer: boolean): Promise<AvatarScene> {
  const canvas = document.createElement("canvas");
  // three.js r163+ draws with WebGL2 only; asking first tells "no WebGL2"
  // apart from every other failure. three.js then reuses this context.
  const gl = canvas.getContext("webgl2", {
    alpha: true,
    antialias: true,
    premultipliedAlpha: true,
    preserveDrawingBuffer,
    powerPreference: "low-power",
  });
  if (gl === null) throw new Error("animo: WebGL2 is not available, so the avatar cannot be shown");

  let gltf: Awaited<ReturnType<typeof loadModel>>;
  try {
    gltf = await loadModel(modelUrl);
  } catch (error) {
    // Browsers cap live contexts; this one would otherwise wait for garbage collection.
    gl.getExtension("WEBGL_lose_context")?.loseContext();
    throw error;
  }
  const renderer = new WebGLRenderer({ canvas, alpha: true, antialias: true, preserveDrawingBuffer });
  renderer.setClearColor(0x000000, 0);
  renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, MAX_PIXEL_RATIO));

  const scene = new Scene();
  const model = gltf.scene;
  scene.add(model);
  scene.add(new HemisphereLight(0xffffff, 0x556070, 2.2));
  const sun = new DirectionalLight(0xffffff, 2);
  sun.position.set(1, 2, 3);
  scene.add(sun);

  model.updateMatrixWorld(true);
  const bounds = new Box3().setFromObject(model);
  if (bounds.isEmpty()) {
    disposeTree(scene);
    renderer.dispose();
    throw new Error("animo: the avatar model has nothing to show (its scene is empty)");
  }
  const camera = new PerspectiveCamera(FIELD_OF_VIEW, 1, 0.01, 100);
  const frameCamera = (aspect: number): void => frame(camera, bounds, aspect);
  frameCamera(1);

  const mixer = new AnimationMixer(model);
  const clips = new Map<string, number>();
  const actions = new Map<string, AnimationAction>();
  for (const clip of gltf.animations) {
    clips.set(clip.name, clip.duration);
    actions.set(clip.name, mixer.clipAction(clip));
  }
  let current: AnimationAction | null = null;

  const morphables = findMorphables(model);
  let expressionShown: string | null = null;

  const head = findHead(model);
  const headRest = new Quaternion();
  const headTurn = { yaw: 0, pitch: 0 };
  let headTurned = false;

  const raycaster = new Raycaster();
  const pointer = new Vector2();
  const probe = new Vector3();

  return {
    canvas,
    clips,
    play(play) {
      const action = actions.get(play.clip);
      if (action === undefined) return;
      const previous = current;
      action.reset();
      action.setLoop(play.loop === "loop" ? LoopRepeat : LoopOnce, Infinity);
      // Once and hold both keep the last frame: hold by definition, once so
      // the return to the loop crossfades from the end pose, not the rest pose.
      action.clampWhenFinished = play.loop !== "loop";
      action.setEffectiveTimeScale(play.speed);
      action.setEffectiveWeight(1);
      action.play();
      if (previous !== null && previous !== action && play.crossfade > 0) {
        previous.crossFadeTo(action, play.crossfade, false);
      } else if (previous !== null && previous !== action) {
        previous.stop();
      }
      // The first slot starts at full weight: fading in from the rest pose
      // would show a T-pose in the first frames.
      current = action;
    },
    frame(delta, expression, look) {
      if (head !== null && headTurned) head.quaternion.copy(headRest);
      mixer.update(delta);
      applyExpression(morphables, expressionShown, expression);
      expressionShown = expression?.target ?? null;
      if (head !== null) {
        headRest.copy(head.quaternion);
        headTurned = turnHead(head, headTurn, look, delta);
      }
      renderer.render(scene, camera);
    },
    resize(width, height) {
      if (width <= 0 || height <= 0) return;
      renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, MAX_PIXEL_RATIO));
      renderer.setSize(width, height, false);
      frameCamera(width / height);
    },
    hits(clientX, clientY) {
      const rect = canvas.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) return false;
      pointer.set(((clientX - rect.left) / rect.width) * 2 - 1, -((clientY - rect.top) / rect.height) * 2 + 1);
      raycaster.setFromCamera(pointer, camera);
      return raycaster.intersectObject(model, true).length > 0;
    },
    headOnPage() {
      if (head !== null) head.getWorldPosition(probe);
      else bounds.getCenter(probe);
      probe.project(camera);
      const rect = canvas.getBoundingClientRect();
      return { x: rect.left + ((probe.x + 1) / 2) * rect.width, y: rect.top + ((1 - probe.y) / 2) * rect.height };
    },
    dispose() {
      mixer.stopAllAction();
      mixer.uncacheRoot(model);
      disposeTree(scene);
      renderer.dispose();
      // Browsers cap live WebGL contexts; give this one back now rather than at garbage collection.
      renderer.forceContextLoss();
      canvas.remove();
    },
  };
}

async function loadModel(url: string): Promise<{ scene: Object3D; animations: AnimationClip[] }> {
  let bytes: ArrayBuffer;
  try {
    const response = await fetch(url, { credentials: "omit" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    bytes = await response.arrayBuffer();
  } catch (error) {
    throw new Error(`animo: the avatar model could not be fetched from ${url} (${describe(error)})`);
  }
  try {
    const gltf = await new GLTFLoader().parseAsync(bytes, "");
    return { scene: gltf.scene, animations: gltf.animations };
  } catch (error) {
    throw new Error(`animo: the avatar model at ${url} is not a readable glTF binary (${describe(error)})`);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error instanceof Event) return error.type;
  return String(error);
}

/** Puts the whole model in view, centred, whatever the canvas's shape. */
function frame(camera: PerspectiveCamera, bounds: Box3, aspect: number): void {
  const size = bounds.getSize(new Vector3());
  const centre = bounds.getCenter(new Vector3());
  const tan = Math.tan(((camera.fov / 2) * Math.PI) / 180);
  const margin = 1.08;
  const forHeight = (size.y / 2) * margin / tan;
  const forWidth = (size.x / 2) * margin / (tan * aspect);
  const distance = Math.max(forHeight, forWidth) + size.z / 2;
  camera.aspect = aspect;
  camera.near = Math.max(distance / 100, 0.001);
  camera.far = distance * 10 + size.z;
  // glTF models face +Z, so the camera looks at their front.
  camera.position.set(centre.x, centre.y, centre.z + distance);
  camera.lookAt(centre);
  camera.updateProjectionMatrix();
}

function findMorphables(model: Object3D): Morphable[] {
  const found: Morphable[] = [];
  model.traverse((object) => {
    if (!(object instanceof Mesh)) return;
    const dictionary = object.morphTargetDictionary;
    const influences = object.morphTargetInfluences;
    if (dictionary === undefined || influences === undefined) return;
    found.push({ dictionary, influences, defaults: influences.slice() });
  });
  return found;
}

/**
 * Weights the expression's morph target on every mesh that has it, after the
 * mixer so it wins over a clip animating the same target, and puts the
 * previous expression's target back to the file's weight when it changes,
 * as the preview does.
 */
function applyExpression(morphables: Morphable[], shown: string | null, expression: ExpressionWeight | null): void {
  const target = expression?.target ?? null;
  if (shown !== null && shown !== target) {
    for (const mesh of morphables) {
      const index = mesh.dictionary[shown];
      if (index !== undefined) mesh.influences[index] = mesh.defaults[index] ?? 0;
    }
  }
  if (expression === null) return;
  for (const mesh of morphables) {
    const index = mesh.dictionary[expression.target];
    if (index !== undefined) mesh.influences[index] = expression.weight;
  }
}

/** The head bone: one named exactly "head" in any case, else one whose name contains it but is no end or top marker. */
function findHead(model: Object3D): Bone | null {
  const bones: Bone[] = [];
  model.traverse((object) => {
    if ((object as Bone).isBone === true) bones.push(object as Bone);
  });
  return (
    bones.find((bone) => /^head$/i.test(bone.name)) ??
    bones.find((bone) => /head/i.test(bone.name) && !/end|top|nub|tip/i.test(bone.name)) ??
    null
  );
}

const turn = new Quaternion();
const parentTurn = new Quaternion();
const axisYaw = new Vector3(0, 1, 0);
const axisPitch = new Vector3(1, 0, 0);
const yawTurn = new Quaternion();
const pitchTurn = new Quaternion();
const pose = new Quaternion();

/**
 * Turns the head towards `look` (from -1 to 1 on each axis, the pointer's
 * direction from the head; `null` for straight ahead), easing there, on top
 * of the pose the mixer gave it. The turn is made about the world's axes and
 * carried into the bone's parent space, so it works whatever the rig's bone
 * orientation. Returns whether the head is turned.
 */
function turnHead(head: Bone, state: { yaw: number; pitch: number }, look: { x: number; y: number } | null, delta: number): boolean {
  const targetYaw = look === null ? 0 : clamp(look.x, -1, 1) * MAX_HEAD_YAW;
  const targetPitch = look === null ? 0 : clamp(look.y, -1, 1) * MAX_HEAD_PITCH;
  const ease = 1 - Math.exp(-HEAD_FOLLOW_RATE * delta);
  state.yaw += (targetYaw - state.yaw) * ease;
  state.pitch += (targetPitch - state.pitch) * ease;
  if (Math.abs(state.yaw) < 1e-4 && Math.abs(state.pitch) < 1e-4) return false;
  yawTurn.setFromAxisAngle(axisYaw, state.yaw);
  pitchTurn.setFromAxisAngle(axisPitch, state.pitch);
  turn.multiplyQuaternions(yawTurn, pitchTurn);
  const parent = head.parent;
  if (parent !== null) {
    parent.updateWorldMatrix(true, false);
    parent.getWorldQuaternion(parentTurn);
  } else {
    parentTurn.identity();
  }
  // local' = parent⁻¹ · turn · parent · local: the world-space turn applied to the bone.
  pose.copy(head.quaternion);
  head.quaternion.copy(parentTurn).invert().multiply(turn).multiply(parentTurn).multiply(pose);
  return true;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Frees the GPU side of every geometry, material and texture under `root`. */
function disposeTree(root: Object3D): void {
  const materials = new Set<Material>();
  root.traverse((object) => {
    // Skinned meshes keep their bone matrices in a texture of their own.
    if (object instanceof SkinnedMesh) object.skeleton.dispose();
    if (object instanceof Mesh) {
      object.geometry.dispose();
      const list: Material[] = Array.isArray(object.material) ? object.material : [object.material];
      for (const material of list) materials.add(material);
    }
  });
  for (const material of materials) {
    for (const value of Object.values(material)) {
      if (value instanceof Texture) value.dispose();
    }
    material.dispose();
  }
}
