// Browser-safe training API: the loop, the checkpoint state and the safetensors codec.
// Node-only pieces (checkpoint files, progress bars, reports, run directories) are imported
// from their own modules: ./checkpoint.js, ./progress.js, ./report.js, ./run.js.
export { train, makeOptimizer, trainRngFor, NonFiniteError, type TrainOptions, type TrainResult, type StepInfo } from './trainer.js';
export {
  encodeTrainState, decodeTrainState, restoreModel, CHECKPOINT_FORMAT,
  type TrainState, type TrainSettings, type EpochMetrics, type OptimizerName,
} from './state.js';
export { encodeSafetensors, decodeSafetensors, type SafeTensor, type SafeTensorsFile, type SafeDType } from './safetensors.js';
