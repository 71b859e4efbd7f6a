"""The paper's MLP, its k-fold training and the voting ensemble."""
