#include "cli.hpp"

#include <iostream>

int main(int argc, char** argv) {
  return getxapi::cli::run_cli(argc, argv, std::cin, std::cout, std::cerr);
}
