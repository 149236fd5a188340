// Defines std::ios_base_library_init(), which GCC 13's libstdc++ (GLIBCXX_3.4.32) exports and
// TorchSharp 0.107's libLibTorchSharp.so references. Older libstdc++ (Debian 12 ships GCC 12) lacks it.
// GCC 13 emits the call from <iostream> to make sure the standard streams are constructed; a static
// std::ios_base::Init does exactly that on an older libstdc++.
#include <ios>

namespace std
{
void ios_base_library_init();

void ios_base_library_init()
{
    static ios_base::Init init;
}
}
