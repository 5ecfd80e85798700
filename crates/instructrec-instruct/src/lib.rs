//! Instruction templating for instructrec: the instruction format, templates, generators and tokenizers.
