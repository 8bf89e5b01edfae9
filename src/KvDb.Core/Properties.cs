using System.Runtime.CompilerServices;

// Hot paths use stackalloc buffers that are always written before they are read; zeroing them is waste.
[module: SkipLocalsInit]
