// Probability distributions and KL divergences (torch.distributions-style).
export { Distribution } from './distribution.js';
export { Normal, normalCdf, normalIcdf, type NormalParams } from './normal.js';
export { MultivariateNormal, type MultivariateNormalParams } from './multivariate-normal.js';
export { Bernoulli, type BernoulliParams } from './bernoulli.js';
export { Categorical, OneHotCategorical, RelaxedOneHotCategorical, type CategoricalParams, type RelaxedOneHotCategoricalParams } from './categorical.js';
export { ContinuousBernoulli, type ContinuousBernoulliParams } from './continuous-bernoulli.js';
export { MixtureSameFamily } from './mixture.js';
export { klDivergence, klMonteCarlo, klStandardNormal, registerKL, registeredKLPairs, type KLEstimate, type KLMonteCarloOptions } from './kl.js';
