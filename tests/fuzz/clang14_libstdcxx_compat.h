// Lets clang 14 (the only clang here, and libFuzzer needs clang) compile Laminar against
// g++ 12's libstdc++, which hides two headers from it. Force-included with -include by fuzz
// builds only; g++ builds never see it. Drop it once clang >= 16 is installed.
//  - <expected> is gated on __cpp_concepts >= 202002L; clang 14 reports 201907L although it
//    handles what libstdc++'s std::expected needs for the types Laminar uses.
//  - <source_location> needs __builtin_source_location (clang 15); clang 14 has the older
//    __builtin_FILE/LINE/FUNCTION, which give the same answers as default arguments.
#pragma once

#if defined(__clang__) && __clang_major__ < 16

#undef __cpp_concepts
#define __cpp_concepts 202002L

#include <source_location>

#if !defined(__cpp_lib_source_location)
namespace std {
struct source_location {
    static constexpr source_location current(const char* file = __builtin_FILE(),
                                             const char* function = __builtin_FUNCTION(),
                                             unsigned line = __builtin_LINE()) noexcept {
        source_location location;
        location._file = file;
        location._function = function;
        location._line = line;
        return location;
    }
    constexpr const char* file_name() const noexcept { return _file; }
    constexpr const char* function_name() const noexcept { return _function; }
    constexpr unsigned line() const noexcept { return _line; }
    constexpr unsigned column() const noexcept { return 0; }

    const char* _file = "";
    const char* _function = "";
    unsigned _line = 0;
};
}  // namespace std
#endif

#endif
