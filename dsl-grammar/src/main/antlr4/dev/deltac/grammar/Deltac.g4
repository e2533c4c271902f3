grammar Deltac;

// Placeholder start rule; the full grammar of dsl.md replaces it.
program : EOF ;
