"""The programme around the score: 牵手 pairing, 查找不足 improvement plans and the 典型经验 case
library. Above the rating and the meeting records (it reads both), below the project."""
