/**
 * From a validated model config to the model objects of both engines. One place that knows every
 * model name, so the CLI, the pipelines and the particle workers build identical models.
 */
import { ConfigError } from './errors.ts';
import { activationFromSpec } from '../reduced-models/activations.ts';
import { IsotropicGaussians } from '../reduced-models/isotropic-gaussians/index.ts';
import { parseModel, type ModelConfig } from './io/config.ts';
import type { Json } from './io/validate.ts';

export type MeanFieldModelInstance = IsotropicGaussians;

export function buildModel(config: ModelConfig): MeanFieldModelInstance {
  switch (config.name) {
    case 'isotropic-gaussians':
      return new IsotropicGaussians({ delta: config.delta, d: config.d, activation: activationFromSpec(config.activation, 'model.activation') });
  }
}

/** Particle-registry factory: params is the JSON `model` block of a run config. */
export function particleModelFromJson(params: Record<string, unknown>) {
  const model = buildModel(parseModel(params as Json, 'model'));
  if (model.d === 'inf') throw new ConfigError('model.d', 'particles need a finite dimension: an integer >= 2 (got "inf")');
  return model.particleModel();
}
