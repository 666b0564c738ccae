// Rebuild any model from its JSON config (as stored in a checkpoint) with fresh
// parameters; the caller then loads the saved state with loadStateDict.
import type { Rng } from '../tensor/random.js';
import type { Init } from '../nn/linear.js';
import type { LatentModel, ModelConfig, TrainableModel } from './model.js';
import { Autoencoder, TiedLinearAutoencoder, type AeLoss } from './autoencoder.js';
import { VAE, type VaeDecoder } from './vae.js';
import { GMVAE, type GmvaeDecoder } from './gmvae.js';
import type { WarmupSchedule } from './schedules.js';
import { field, type ActivationName } from './util.js';

export const MODEL_KINDS = ['vae', 'beta-vae', 'ae', 'linear-ae', 'gmvae'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Models createModel builds: every one has a latent space; 'vae'/'beta-vae' are also GenerativeModels. */
export type AnyModel = VAE | GMVAE | Autoencoder | TiedLinearAutoencoder;

// Configs come from JSON: fields are passed through as given and checked by each constructor.
function opt<T>(config: ModelConfig, key: string): T | undefined {
  return field(config, key) as T | undefined;
}

/** A fresh model of config.kind with the config's settings (missing fields take the model's defaults). */
export function createModel(config: ModelConfig, rng: Rng): AnyModel & TrainableModel & LatentModel {
  const kind = config.kind;
  const inputDim = config.inputDim;
  const latentDim = opt<number>(config, 'latentDim') as number;
  const init = opt<Init>(config, 'init');
  switch (kind) {
    case 'vae':
    case 'beta-vae':
      return new VAE({
        kind,
        inputDim,
        latentDim,
        hidden: opt<number[]>(config, 'hidden'),
        decoderHidden: opt<number[]>(config, 'decoderHidden'),
        activation: opt<ActivationName>(config, 'activation'),
        decoder: opt<VaeDecoder>(config, 'decoder'),
        // 'beta-vae' without a β takes the preset's β = 4.
        beta: opt<number>(config, 'beta') ?? (kind === 'beta-vae' ? 4 : 1),
        warmup: opt<WarmupSchedule>(config, 'warmup'),
        freeBits: opt<number>(config, 'freeBits'),
        kl: opt<'analytic' | 'mc'>(config, 'kl'),
        objective: opt<'elbo' | 'iwae'>(config, 'objective'),
        k: opt<number>(config, 'k'),
        logVarBounds: opt<[number, number]>(config, 'logVarBounds'),
        decoderLogVarBounds: opt<[number, number]>(config, 'decoderLogVarBounds'),
        init,
      }, rng);
    case 'ae':
      return new Autoencoder({
        inputDim,
        latentDim,
        hidden: opt<number[]>(config, 'hidden'),
        decoderHidden: opt<number[]>(config, 'decoderHidden'),
        activation: opt<ActivationName>(config, 'activation'),
        latentActivation: opt<ActivationName>(config, 'latentActivation'),
        loss: opt<AeLoss>(config, 'loss'),
        bias: opt<boolean>(config, 'bias'),
        init,
      }, rng);
    case 'linear-ae':
      return new TiedLinearAutoencoder({ inputDim, latentDim, bias: opt<boolean>(config, 'bias'), init }, rng);
    case 'gmvae':
      return new GMVAE({
        inputDim,
        latentDim,
        clusters: opt<number>(config, 'clusters'),
        hidden: opt<number[]>(config, 'hidden'),
        decoderHidden: opt<number[]>(config, 'decoderHidden'),
        activation: opt<ActivationName>(config, 'activation'),
        decoder: opt<GmvaeDecoder>(config, 'decoder'),
        beta: opt<number>(config, 'beta'),
        warmup: opt<WarmupSchedule>(config, 'warmup'),
        zFreeBits: opt<number>(config, 'zFreeBits'),
        marginalWeight: opt<number>(config, 'marginalWeight'),
        componentInitStd: opt<number>(config, 'componentInitStd'),
        pretrainEpochs: opt<number>(config, 'pretrainEpochs'),
        pretrainNoise: opt<number>(config, 'pretrainNoise'),
        logVarBounds: opt<[number, number]>(config, 'logVarBounds'),
        init,
      }, rng);
    default:
      throw new Error(`createModel: unknown model kind "${String(kind)}" (expected one of ${MODEL_KINDS.join(', ')})`);
  }
}
