#include <cstdio>

int main() {
  std::puts("promlet: not wired yet");
  return 0;
}
