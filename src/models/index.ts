// Models: autoencoders, the VAE family, warm-up schedules, evaluation, and the
// registry that rebuilds a model from its checkpointed config.
export { isLatentModel, isGenerativeModel, type ModelConfig, type LossContext, type LossOutput, type TrainableModel, type LatentModel, type GenerativeModel } from './model.js';
export {
  Autoencoder, TiedLinearAutoencoder, undercompleteAutoencoder,
  type AutoencoderOptions, type AutoencoderConfig, type AeLoss, type TiedLinearAutoencoderOptions, type TiedLinearAutoencoderConfig,
} from './autoencoder.js';
export { VAE, betaVae, type VaeOptions, type VaeConfig, type VaeDecoder, type ElboParts } from './vae.js';
export { warmupFactor, checkWarmup, type WarmupSchedule, type LinearWarmup, type CyclicalWarmup } from './schedules.js';
export {
  evaluateLoss, evaluateElbo, evaluateIwae, activeUnits, reconstructionError, encodeMeans, decodeMeans,
  type EvalOptions, type ElboModel, type LossSummary, type ElboSummary, type IwaeSummary, type ActiveUnits, type ReconstructionError,
} from './evaluate.js';
export { GMVAE, type GmvaeOptions, type GmvaeConfig, type GmvaeDecoder, type GmvaeParts } from './gmvae.js';
export {
  contingencyTable, majorityAccuracy, hungarian, hungarianAccuracy, assignAll, clusterAccuracy,
  type MajorityResult, type MatchedResult, type ClusterModel, type ClusterAccuracy,
} from './clustering.js';
export { createModel, MODEL_KINDS, type ModelKind, type AnyModel } from './registry.js';
export type { ActivationName } from './util.js';
export * from './gplvm.js'; export * from './pca.js';
export * from './derivations.js';
