#pragma once
// The lab through which a described converter is reached: a fresh namespace
// for a spawned one, its own namespace joined for `netns`, its NIC for
// `remote` (harness/lab/lab.hpp). The catalog runner and the matrix's pair
// cells both open their converter's lab here.

#include "harness/lab/lab.hpp"
#include "harness/put/put_description.hpp"

namespace convtest::harness {

LabResult converter_lab(const PutDescription& put, const LabSettings& settings);

}  // namespace convtest::harness
