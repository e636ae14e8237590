//! Surface distances (DeepMind surface-distance / pymia `Distances` definitions) computed with a kd-tree.
//!
//! Not implemented yet: filled by the surface-distance work.
