// The merge of a target's labels into the labels of a sample it exposed (or pushed), as
// Prometheus' mutateSampleLabels: with honor_labels the sample's own labels win and target
// labels only fill gaps; without it the target's labels win and each clashing exposed label is
// kept as exported_<name> (exported_exported_<name> if that is taken, and so on).
//
// Invariants: the result holds every target label name; with honor_labels=false every target
// value is the target's; no exposed value is lost unless honor_labels=true made it win over
// nothing (it never drops a label the sample carried).
#ifndef PROMLET_MODEL_TARGET_MERGE_H_
#define PROMLET_MODEL_TARGET_MERGE_H_

#include "model/labels.h"

namespace promlet::model {

// `target` holds public labels only (job, instance, ...; no "__" labels).
Labels MergeTargetLabels(const Labels& sample, const Labels& target, bool honor_labels);

}  // namespace promlet::model

#endif  // PROMLET_MODEL_TARGET_MERGE_H_
